export { newId } from "./wf-core.js";
