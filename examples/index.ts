// Every example flow, in the order `npm start` runs them.
export { analysis } from "./numbers.js";
export { concurrentAnalysis } from "./numbers-concurrent.js";
export { dataPipeline as timeoutsPipeline, overrunningPipeline } from "./timeouts.js";
export { dataPipeline as retriesPipeline } from "./retries.js";
export { cachingDemo } from "./caching.js";
export { animalFacts } from "./subflows.js";
export { dataPipeline as eventsPipeline, emitNameEvent } from "./events.js";
export { archivedReport } from "./blocks.js";
