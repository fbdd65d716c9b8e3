/**
 * The web UI end to end, in Debian's Chromium: a real server over a temp SQLite store, runs made
 * by real flows in this process (so cancel and resume reach a live run), every page clicked
 * through, and a screenshot of each in `screenshots/`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import { BlockSystem, type SecretValue } from "@wf/blocks";
import { startTestServer, type TestServer } from "../support.js";
import { chromiumAvailable, launchChromium, openPage, screenshot, type UiPage } from "./browser.js";
import { approval, failing, pipeline, sleeper, testPlugin } from "./flows.js";

const available = chromiumAvailable();
const SECRET_TOKEN = "tok-UI-e2e-7f3a9c-never-shown";
const SECRET_PASSWORD = "pw-UI-e2e-b81d44-never-shown";

interface RunJson {
  id: string;
  name: string;
  flowName: string;
  parentFlowRunId: string | null;
  state: { type: string; name: string; message: string | null };
  result: { preview?: string } | null;
}
interface TaskJson {
  id: string;
  name: string;
  upstream: Record<string, string[]>;
}

test.runIf(!available && process.env.CI === "true")("Chromium is installed (CI)", () => {
  throw new Error("the UI tests need Chromium at /usr/bin/chromium; .ci/run installs it");
});

describe.runIf(available)("web UI", () => {
  let s: TestServer;
  let browser: Browser;
  let ui: UiPage | undefined;
  let pipelineRun: RunJson;
  let childRun: RunJson;
  let failedRun: RunJson;

  async function get<T>(path: string): Promise<T> {
    const res = await s.api(path);
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  }
  async function runsOf(flowName: string): Promise<RunJson[]> {
    return get<RunJson[]>(`/api/v1/flow-runs?flow=${flowName}`);
  }
  async function waitForRun(flowName: string, stateType: string): Promise<RunJson> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const run = (await runsOf(flowName)).find((r) => r.state.type === stateType);
      if (run) return run;
      if (Date.now() > deadline) throw new Error(`no ${flowName} run reached ${stateType}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  async function open(hash: string): Promise<UiPage> {
    ui = await openPage(browser);
    await ui.page.goto(`${s.url}/${hash}`);
    return ui;
  }

  beforeAll(async () => {
    s = await startTestServer({ plugins: [testPlugin] });
    await pipeline("s3://warehouse/daily", 2);
    await failing().catch(() => undefined);
    pipelineRun = (await runsOf("ui_pipeline"))[0]!;
    childRun = (await runsOf("ui_report"))[0]!;
    failedRun = (await runsOf("ui_failing"))[0]!;
    browser = await launchChromium();
  });
  afterEach(async () => {
    // No page may throw or break the content security policy.
    const errors = ui?.errors ?? [];
    await ui?.close();
    ui = undefined;
    expect(errors).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  test("the static files are open, typed, and the page has a strict CSP", async () => {
    const index = await fetch(`${s.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("content-security-policy")).toContain("script-src 'self' 'sha256-");
    const app = await fetch(`${s.url}/ui/app.js`);
    expect(app.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const preact = await fetch(`${s.url}/ui/vendor/preact.module.js`);
    expect(preact.status).toBe(200);
    expect(await preact.text()).toContain("export");
    const css = await fetch(`${s.url}/ui/styles.css`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const etag = css.headers.get("etag")!;
    expect(
      (await fetch(`${s.url}/ui/styles.css`, { headers: { "if-none-match": etag } })).status,
    ).toBe(304);
    // Exact paths only: no directory listing, no path tricks.
    expect((await fetch(`${s.url}/ui/`)).status).toBe(404);
    expect((await fetch(`${s.url}/ui/../package.json`)).status).toBe(404);
    expect((await fetch(`${s.url}/ui/vendor/htm.js`)).status).toBe(404);
  });

  test("dashboard: counts by state, recent runs, failures at a glance", async () => {
    const { page } = await open("#/");
    const all = await get<RunJson[]>("/api/v1/flow-runs?limit=1000");
    await expect
      .poll(() => page.locator("[data-stat=total] .stat-value").textContent())
      .toBe(String(all.length));
    expect(await page.locator("[data-stat=failed] .stat-value").textContent()).toBe("1");
    expect(await page.locator("[data-count-state=FAILED]").textContent()).toContain("1");
    expect(await page.locator("[data-count-state=COMPLETED]").textContent()).toContain("2");
    const failures = page.locator(".failures .failure-list li");
    expect(await failures.count()).toBe(1);
    expect(await failures.first().textContent()).toContain(failedRun.name);
    expect(await failures.first().textContent()).toContain("upstream API returned 503");
    for (const run of [pipelineRun, childRun, failedRun]) {
      await page.locator(`tr[data-run-id="${run.id}"]`).waitFor();
    }
    await screenshot(page, "dashboard");
    // A failure links to its run.
    await failures.first().locator("a").first().click();
    await page.waitForURL(`**/#/runs/${failedRun.id}`);
    await page.locator("[data-state-message]").waitFor();
    expect(await page.locator("[data-state-message]").textContent()).toContain("503");
  });

  test("flow runs: filters by state, flow and tag", async () => {
    const { page } = await open("#/runs");
    await page.locator(`tr[data-run-id="${failedRun.id}"]`).waitFor();
    expect(await page.locator("tbody tr[data-run-id]").count()).toBe(3);

    await page.getByRole("button", { name: "Failed" }).click();
    await page.waitForURL("**/#/runs?state=FAILED");
    await expect.poll(() => page.locator("tbody tr[data-run-id]").count()).toBe(1);
    expect(await page.locator("tbody tr[data-run-id]").getAttribute("data-run-id")).toBe(
      failedRun.id,
    );

    await page.getByRole("button", { name: "Clear" }).click();
    await page.locator("select[name=flow]").selectOption("ui_pipeline");
    await page.locator("input[name=tag]").fill("etl");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL("**/#/runs?flow=ui_pipeline&tag=etl");
    await expect.poll(() => page.locator("tbody tr[data-run-id]").count()).toBe(1);
    expect(await page.locator("tbody tr[data-run-id]").getAttribute("data-run-id")).toBe(
      pipelineRun.id,
    );
    await screenshot(page, "flow-runs");

    await page.locator("input[name=tag]").fill("no-such-tag");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText("No flow runs match these filters.").waitFor();
  });

  test("run page: task timeline in lanes, dependency graph, logs, parameters, result, subflow and parent", async () => {
    const tasks = await get<TaskJson[]>(`/api/v1/flow-runs/${pipelineRun.id}/task-runs`);
    expect(tasks.map((t) => t.name.replace(/-[0-9a-f]{3}$/, "")).sort()).toEqual([
      "extract",
      "extract",
      "transform",
    ]);
    // Opened by name, the page moves to the run's id.
    const { page } = await open(`#/runs/${pipelineRun.name}`);
    await page.waitForURL(`**/#/runs/${pipelineRun.id}`);
    await page.locator("#timeline svg").waitFor();
    expect(await page.locator("h1").textContent()).toContain(pipelineRun.name);
    expect(await page.locator("h1 .badge").getAttribute("data-state")).toBe("COMPLETED");

    // Timeline: one bar per task run; the two extracts ran at once, so they need two lanes.
    expect(await page.locator("#timeline g.bar").count()).toBe(tasks.length);
    expect(Number(await page.locator("#timeline svg").getAttribute("data-lanes"))).toBe(2);
    // Graph: a node per task run, an edge from each extract into transform.
    expect(await page.locator("#graph g.node").count()).toBe(tasks.length);
    const transform = tasks.find((t) => t.name.startsWith("transform"))!;
    const extracts = tasks.filter((t) => t.name.startsWith("extract")).map((t) => t.id);
    const edges = page.locator("#graph path.edge");
    expect(await edges.count()).toBe(2);
    for (let i = 0; i < 2; i++) {
      expect(await edges.nth(i).getAttribute("data-to")).toBe(transform.id);
      expect(extracts).toContain(await edges.nth(i).getAttribute("data-from"));
    }
    // Logs, from the flow and from its task runs.
    const logs = page.locator("#logs .log-lines");
    await expect
      .poll(() => logs.textContent())
      .toContain("reading 2 batches from s3://warehouse/daily");
    expect(await logs.textContent()).toContain("extracting batch 1");
    expect(await logs.textContent()).toContain("transforming 6 rows");
    expect(await page.locator("[data-parameters]").textContent()).toContain("s3://warehouse/daily");
    expect(await page.locator(".result-preview").first().textContent()).toBe(
      pipelineRun.result?.preview,
    );
    // The subflow is listed, and its page links back to this run.
    const sub = page.locator(`#subflows tr[data-run-id="${childRun.id}"]`);
    await sub.waitFor();
    await screenshot(page, "flow-run");

    await sub.locator("a.run-name").click();
    await page.waitForURL(`**/#/runs/${childRun.id}`);
    const parentLink = page.locator("[data-parent-link]");
    await parentLink.waitFor();
    expect(await parentLink.textContent()).toBe(pipelineRun.name);

    // A bar of the timeline opens its task run page, with its upstream task runs.
    await page.goto(`${s.url}/#/runs/${pipelineRun.id}`);
    await page.locator(`#timeline g.bar[data-task-run="${transform.id}"]`).click();
    await page.waitForURL(`**/#/task-runs/${transform.id}`);
    await page.locator(".dep-list").first().waitFor();
    for (const id of extracts) {
      expect(await page.locator(`.dep-list a[href="#/task-runs/${id}"]`).count()).toBe(1);
    }
    expect(await page.locator(".log-lines").textContent()).toContain("transforming 6 rows");
    await screenshot(page, "task-run");
  });

  test("cancel a running flow: live logs while it runs, Cancel, it ends Cancelled", async () => {
    const running = sleeper(60).catch((e: unknown) => e);
    const run = await waitForRun("ui_sleeper", "RUNNING");
    const { page } = await open(`#/runs/${run.id}`);
    await page.locator("h1 .badge[data-state=RUNNING]").waitFor();
    // The page follows the run over the server's event stream (not by polling).
    await page.locator(".live.on").waitFor();
    // Live logs: lines written after the page loaded show up without a reload.
    await page.getByText("tick 1", { exact: true }).waitFor();
    const seen = await page.locator("#logs .log-line").count();
    await expect
      .poll(() => page.locator("#logs .log-line").count(), { timeout: 10_000 })
      .toBeGreaterThan(seen + 2);

    // The notice lasts until the run has ended, which on a loaded machine can come within
    // milliseconds of it: record every status the page shows rather than poll for it.
    await page.evaluate(`(() => {
      const shown = (window.statusesShown = []);
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('[role="status"]')) shown.push(el.textContent);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Cancel run" }).click();
    await expect
      .poll(
        () =>
          page.evaluate(
            `window.statusesShown.some((text) => text.startsWith("Cancellation requested"))`,
          ),
        { timeout: 15_000 },
      )
      .toBe(true);
    await page.locator("h1 .badge[data-state=CANCELLED]").waitFor({ timeout: 20_000 });
    expect(await page.getByRole("button", { name: "Cancel run" }).count()).toBe(0);
    await screenshot(page, "cancelled-run");

    await running;
    const after = await get<RunJson>(`/api/v1/flow-runs/${run.id}`);
    expect(after.state.type).toBe("CANCELLED");
  });

  test("resume a paused run with a form generated from its input schema", async () => {
    const result = approval();
    const run = await waitForRun("ui_approval", "PAUSED");
    const { page } = await open(`#/runs/${run.id}`);
    const form = page.locator("form.resume-form");
    await form.waitFor();
    // An empty form is refused by the browser (reviewer is required), so fill every field.
    await form.locator("[data-field=approved] input[type=checkbox]").check();
    await form.locator("[data-field=reviewer] input").fill("ada");
    await form.locator("[data-field=level] select").selectOption({ label: "high" });
    await screenshot(page, "resume-form");
    await form.getByRole("button", { name: "Resume run" }).click();
    await page.locator("h1 .badge[data-state=COMPLETED]").waitFor({ timeout: 20_000 });
    expect(await result).toEqual({ approved: true, reviewer: "ada", level: "high" });
    await expect
      .poll(() => page.locator("#logs .log-lines").textContent())
      .toContain("approved by ada");
  });

  test("retry a failed run: the new run's page follows it from starting to its end", async () => {
    const { page } = await open(`#/runs/${failedRun.id}`);
    await page.getByRole("button", { name: "Retry run" }).click();
    // The server starts the flow again in a child process and answers with the new run's id
    // before that process has created the run; the page waits for it.
    await page.waitForURL(`**/#/runs/*?retryOf=${failedRun.id}`);
    const newId = /#\/runs\/([^?]+)/.exec(page.url())![1]!;
    expect(newId).not.toBe(failedRun.id);
    // Same code, same parameters: it fails again.
    await page.locator("h1 .badge[data-state=FAILED]").waitFor({ timeout: 60_000 });
    const retried = await get<RunJson>(`/api/v1/flow-runs/${newId}`);
    expect(retried.flowName).toBe("ui_failing");
    expect(await page.locator("h1").textContent()).toContain(retried.name);
    await screenshot(page, "retried-run");
  }, 90_000);

  test("blocks: create through the generated form; secrets masked in the UI and the API, stored encrypted", async () => {
    const { page } = await open("#/blocks");
    await page.locator("[data-block-type=ui-test-connection]").waitFor();
    expect(await page.locator("[data-block-type=secret]").count()).toBe(1);
    await screenshot(page, "blocks");

    // A secret block first, to be referenced.
    await page.locator("[data-block-type=secret] a", { hasText: "Create" }).click();
    await page.waitForURL("**/#/blocks/secret/new");
    await page.locator("#block-name").fill("api-token");
    const secretInput = page.locator("[data-field=value] input");
    expect(await secretInput.getAttribute("type")).toBe("password");
    await secretInput.fill(SECRET_TOKEN);
    await page.getByRole("button", { name: "Create block" }).click();
    await page.waitForURL("**/#/blocks/secret/api-token?saved=1");
    await page.locator("[data-stored-field=value] .masked").waitFor();
    expect(await page.locator("[data-stored-field=value] .masked").textContent()).toBe("********");

    // The connection: every kind of field, generated from the schema.
    await page.goto(`${s.url}/#/blocks/ui-test-connection/new`);
    await page.locator("#block-name").fill("prod");
    const kinds = Object.fromEntries(
      await page
        .locator(".field[data-field]")
        .evaluateAll((els) =>
          els.map((e) => [e.getAttribute("data-field"), e.getAttribute("data-kind")]),
        ),
    );
    expect(kinds).toMatchObject({
      host: "string",
      port: "number",
      mode: "enum",
      tls: "boolean",
      password: "string",
      replicas: "array",
      "options.timeoutSeconds": "number",
      "options.applicationName": "string",
      credentials: "blockref",
    });
    await page.locator("[data-field=host] input").fill("db.internal");
    await page.locator("[data-field=port] input").fill("5433");
    await page.locator("[data-field=mode] select").selectOption({ label: "write" });
    await page.locator("[data-field=tls] input").uncheck();
    await page.locator("[data-field=password] input[type=password]").fill(SECRET_PASSWORD);
    await page.locator("[data-field=replicas] button", { hasText: "Add item" }).click();
    await page.locator("[data-field=replicas] input").first().fill("replica-1");
    await page.locator("[data-field=replicas] button", { hasText: "Add item" }).click();
    await page.locator("[data-field=replicas] input").nth(1).fill("replica-2");
    await page.locator('[data-field="options.timeoutSeconds"] input').fill("2.5");
    await page
      .locator("[data-field=credentials] select option", { hasText: "secret/api-token" })
      .waitFor({ state: "attached" });
    await page.locator("[data-field=credentials] select").selectOption("secret/api-token");
    await screenshot(page, "block-form");
    await page.getByRole("button", { name: "Create block" }).click();
    await page.waitForURL("**/#/blocks/ui-test-connection/prod?saved=1");
    await page.locator("[data-stored-field=password] .masked").waitFor();
    expect(await page.locator("[data-stored-field=host]").textContent()).toContain("db.internal");
    expect(await page.locator("[data-stored-field=credentials]").textContent()).toContain(
      "secret/api-token",
    );
    // Never rendered: not in the page, not in the edit form's password input.
    const htmlText = await page.content();
    expect(htmlText).not.toContain(SECRET_PASSWORD);
    expect(htmlText).not.toContain(SECRET_TOKEN);
    expect(await page.locator("[data-field=password] input[type=password]").inputValue()).toBe("");
    await screenshot(page, "block-saved");

    // The API never returns the values ...
    const doc = await get<{ data: Record<string, unknown> }>(
      "/api/v1/block-documents/ui-test-connection/prod",
    );
    expect(doc.data).toMatchObject({
      host: "db.internal",
      port: 5433,
      mode: "write",
      tls: false,
      password: "********",
      replicas: ["replica-1", "replica-2"],
      options: { timeoutSeconds: 2.5 },
      credentials: "secret/api-token",
    });
    const list = await (await s.api("/api/v1/block-documents")).text();
    expect(list).not.toContain(SECRET_PASSWORD);
    expect(list).not.toContain(SECRET_TOKEN);
    // ... but they are stored: loading the block in flow code gives them back.
    const blocks = new BlockSystem({ orchestrator: s.store.orchestrator, plugins: [testPlugin] });
    const loaded = (await blocks.load("ui-test-connection/prod")) as {
      password: string;
      credentials: SecretValue;
    };
    expect(loaded.password).toBe(SECRET_PASSWORD);
    expect(loaded.credentials.get()).toBe(SECRET_TOKEN);

    // A duplicate name is refused with the server's message.
    await page.goto(`${s.url}/#/blocks/secret/new`);
    await page.locator("#block-name").fill("api-token");
    await page.locator("[data-field=value] input").fill("other");
    await page.getByRole("button", { name: "Create block" }).click();
    const error = page.locator(".alert-error").filter({ hasText: "Could not save" });
    await error.waitFor();
    expect(await error.textContent()).toContain("api-token");
  });

  test("blocks: edit keeps a secret that was left empty", async () => {
    const { page } = await open("#/blocks/ui-test-connection/prod");
    const password = page.locator("[data-field=password] input[type=password]");
    await password.waitFor();
    expect(await password.inputValue()).toBe("");
    expect(await password.getAttribute("placeholder")).toContain("stored");
    await page.locator("[data-field=port] input").fill("6543");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await expect
      .poll(() => page.locator("[data-stored-field=port]").textContent())
      .toContain("6543");
    const blocks = new BlockSystem({ orchestrator: s.store.orchestrator, plugins: [testPlugin] });
    const loaded = (await blocks.load("ui-test-connection/prod")) as {
      port: number;
      password: string;
    };
    expect(loaded).toMatchObject({ port: 6543, password: SECRET_PASSWORD });
  });

  test("concurrency limits: create, list, delete", async () => {
    const { page } = await open("#/concurrency");
    await page.getByText("No concurrency limits.").waitFor();
    await page.locator("input[name=tag]").fill("database");
    await page.locator("input[name=limit]").fill("3");
    await page.getByRole("button", { name: "Save limit" }).click();
    const row = page.locator("tr[data-limit=database]");
    await row.waitFor();
    expect(await row.locator("td.num").first().textContent()).toBe("3");
    expect(await get<{ tag: string; limit: number }[]>("/api/v1/concurrency-limits")).toMatchObject(
      [{ tag: "database", limit: 3 }],
    );
    // Creating it again without "change if it exists" shows the server's refusal.
    await page.locator("input[name=tag]").fill("database");
    await page.getByRole("button", { name: "Save limit" }).click();
    await page.locator(".alert-error").waitFor();
    await screenshot(page, "concurrency");

    page.once("dialog", (d) => void d.accept());
    await row.getByRole("button", { name: "Delete" }).click();
    await page.getByText("No concurrency limits.").waitFor();
    expect(await get<unknown[]>("/api/v1/concurrency-limits")).toEqual([]);
  });

  test("events feed: filters by event name and resource, newest first", async () => {
    const resource = `wf.flow-run.${pipelineRun.id}`;
    const expected = await get<{ id: string; event: string }[]>(
      `/api/v1/events?prefix=wf.flow-run.&resource=${resource}&limit=1000`,
    );
    expect(expected.length).toBeGreaterThan(1);
    const { page } = await open("#/events");
    await page.locator("li.event").first().waitFor();
    await page.locator("input[name=prefix]").fill("wf.flow-run.");
    await page.locator("input[name=resource]").fill(resource);
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => page.locator("li.event").count()).toBe(expected.length);
    const names = await page
      .locator("li.event")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-event")));
    expect(names).toEqual(expected.map((e) => e.event).reverse());
    await page.locator("li.event").first().getByRole("button", { name: "Details" }).click();
    expect(await page.locator("li.event .event-body").first().textContent()).toContain(
      pipelineRun.id,
    );
    await screenshot(page, "events");
  });
});
