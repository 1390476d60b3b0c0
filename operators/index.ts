export { reorderByEventTime } from './reorderByEventTime.js';
export type { ReorderOptions, LateEvent, OverflowEvent } from './reorderByEventTime.js';
export { detectClockSkew } from './detectClockSkew.js';
export type { SkewOptions, SkewEvent, SkewPolicy } from './detectClockSkew.js';
export { batchSamples } from './batchSamples.js';
export type { BatchOptions } from './batchSamples.js';
export { splitDeadLetters } from './splitDeadLetters.js';
export type { DeadLetterSink } from './splitDeadLetters.js';
