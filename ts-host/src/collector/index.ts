// Building a collector of one's own: Tandem's built-in factories, component packages, and `run`, the collector's
// command line with them. `tandem build` (builder.ts) writes a distribution package that does this from a manifest.
export { builtin, type BuiltinSelection } from '../components';
export { main, run, type RunOptions } from '../cli/main';
export { type ComponentPackage, loadPackage } from './packages';
