// The table of flow runs used by the dashboard, the runs page and the subflows list.
import { html } from "../html.js";
import { formatDuration, runDuration } from "../format.js";
import { StateBadge, Tags, Time } from "./common.js";

export function RunsTable({ runs, empty = "No flow runs." }) {
  if (runs.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<div class="table-wrap">
    <table class="table runs-table">
      <thead>
        <tr>
          <th>Run</th>
          <th>Flow</th>
          <th>State</th>
          <th>Tags</th>
          <th>Started</th>
          <th class="num">Duration</th>
        </tr>
      </thead>
      <tbody>
        ${runs.map(
          (r) =>
            html`<tr key=${r.id} data-run-id=${r.id}>
              <td>
                <a href=${`#/runs/${r.id}`} class="run-name">${r.name}</a>
                ${r.parentFlowRunId ? html`<span class="muted small"> subflow</span>` : null}
              </td>
              <td><a href=${`#/runs?flow=${encodeURIComponent(r.flowName)}`}>${r.flowName}</a></td>
              <td><${StateBadge} state=${r.state} /></td>
              <td><${Tags} tags=${r.tags} /></td>
              <td><${Time} iso=${r.startTime ?? r.createdAt} relative=${true} /></td>
              <td class="num">${formatDuration(runDuration(r))}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
