export { type Decision, type EngineCheck, place } from './placement';
