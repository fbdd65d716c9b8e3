// Events: tasks and flows emit events as they go (stored, and later matched by automations);
// every state change emits one too (wf.flow-run.Completed, ...).
// Run it: npx wf run examples/events.ts:dataPipeline
import { emitEvent, flow, task } from "@wf/core";

export const extractData = task(async function extract_data() {
  const data = [1, 2, 3, 4, 5];
  emitEvent({
    event: "data.extracted",
    resource: { "wf.resource.id": "extract-task" },
    payload: { count: data.length },
  });
  return data;
});

export const transformData = task(async function transform_data(data: number[]) {
  const transformed = data.map((x) => x * 2);
  emitEvent({
    event: "data.transformed",
    resource: { "wf.resource.id": "transform-task" },
    payload: { count: transformed.length },
  });
  return transformed;
});

export const loadData = task(async function load_data(data: number[]) {
  console.log(`Loaded data: ${JSON.stringify(data)}`);
  emitEvent({
    event: "data.loaded",
    resource: { "wf.resource.id": "load-task" },
    payload: { count: data.length },
  });
  return data.length;
});

/** A pipeline with event-driven capabilities. */
export const dataPipeline = flow({ name: "data_pipeline_events", logPrints: true }, async () => {
  try {
    const data = await extractData();
    const transformed = await transformData(data);
    const result = await loadData(transformed);
    emitEvent({
      event: "pipeline.completed",
      resource: { "wf.resource.id": "data-pipeline" },
      payload: { items_processed: result },
    });
    return result;
  } catch (error) {
    emitEvent({
      event: "pipeline.failed",
      resource: { "wf.resource.id": "data-pipeline" },
      payload: { error: String(error) },
    });
    throw error;
  }
});

/** Emit a basic event with a dynamically populated name. */
export const emitNameEvent = flow(
  { name: "emit_name_event", logPrints: true },
  async (name = "kiki") => {
    console.log(`Hi ${name}!`);
    return emitEvent({
      event: `${name}.sent.event!`,
      resource: { "wf.resource.id": `developer.${name}` },
      payload: { name },
    }).id;
  },
);
