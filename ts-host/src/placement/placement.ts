// Where a component runs when its type exists in both runtimes (`batch` and `rust_batch`; see `EngineTwin`). Data
// crosses between the host and the engine wherever one component feeds another in the other runtime, and a crossing
// costs both processes CPU time; so each such component is placed where it makes the fewest crossings, in the engine
// when that is a tie (the engine does the same work for less). A pipeline with no TypeScript component then runs
// wholly in the engine whatever type names it uses. Components whose config only the host understands, that a
// distribution's engine lacks, or that `runtime::placement::in_host` names stay where their type says.
import { type Runtime, SIGNALS, StabilityLevel, type Signal } from '../component';
import {
  type AnyFactory, type ComponentConfig, type ComponentSection, type Config, decodeComponentConfig, type Factories,
  fromComponentPackage, type PipelineConfig, SECTION_KIND,
} from '../otelcol';
import { minimumCut } from './cut';

/** What placement decided for a component whose type has an engine twin. */
export interface Decision {
  readonly section: ComponentSection;
  readonly id: string;
  /** The type it runs as: its own, or its twin's. */
  readonly type: string;
  readonly runtime: Runtime;
  /** Why it had to stay in the host, when its config or the settings decided rather than its neighbours. */
  readonly hostOnly?: string;
}

/** The engine's check of a config for one of its types: '' when it takes it, else its error. */
export type EngineCheck = (section: ComponentSection, type: string, id: string, config: unknown) => Promise<string>;

type PlacedSection = Exclude<ComponentSection, 'extensions'>;

/** A component the pipelines use, and what it may run as. */
interface Unit {
  readonly section: PlacedSection;
  readonly component: ComponentConfig;
  /** Fixed: the runtime it must run in. */
  readonly fixed?: Runtime;
  readonly hostOnly?: string;
  /** When it may run in the engine as its twin: the twin and the config it would get. */
  readonly twin?: { readonly factory: AnyFactory; readonly config: unknown };
}

/** The config with each component that has an engine twin placed; `as_written` leaves it as it is. */
export async function place(config: Config, factories: Factories, check: EngineCheck): Promise<{ config: Config; decisions: Decision[] }> {
  if (config.runtime.placement.mode === 'as_written') return { config, decisions: [] };
  const pipelines = [...config.service.pipelines.values()];
  const units = new Map<string, Unit>();
  const unitOf = (section: PlacedSection, id: string) => `${section}::${id}`;
  for (const section of ['receivers', 'processors', 'exporters', 'connectors'] as const) {
    for (const [id, component] of config.components[section]) {
      const uses = signalUses(section, id, pipelines);
      if (uses.length === 0) continue;
      units.set(unitOf(section, id), await unit(section, component, uses, config, factories, check));
    }
  }
  // One edge per place where one component hands data to the next, in every pipeline.
  const edges: Array<[string, string]> = [];
  const asUnit = (id: string, other: PlacedSection) => unitOf(config.components.connectors.has(id) ? 'connectors' : other, id);
  for (const pipeline of pipelines) {
    const stages = [
      pipeline.receivers.map((id) => asUnit(id.toString(), 'receivers')),
      ...pipeline.processors.map((id) => [unitOf('processors', id.toString())]),
      pipeline.exporters.map((id) => asUnit(id.toString(), 'exporters')),
    ].filter((stage) => stage.length > 0);
    for (let i = 1; i < stages.length; i++) for (const from of stages[i - 1]) for (const to of stages[i]) edges.push([from, to]);
  }
  const keys = [...units.keys()];
  const free = keys.filter((key) => !units.get(key)?.fixed);
  const inEngine = minimumCut(keys, edges, (key) => units.get(key)?.fixed, free.length + 1);

  const decisions: Decision[] = [];
  const sections = Object.fromEntries(Object.entries(config.components).map(([section, map]) => [section, new Map(map)])) as Record<ComponentSection, Map<string, ComponentConfig>>;
  for (const [key, u] of units) {
    const { id, factory } = u.component;
    if (!factory.engineTwin) continue;
    const placed = inEngine.has(key) && u.twin !== undefined;
    if (placed && u.twin) sections[u.section].set(id.toString(), { id, factory: u.twin.factory, config: decodeComponentConfig(u.twin.factory, u.twin.config) });
    decisions.push({
      section: u.section, id: id.toString(), type: placed ? factory.engineTwin.type : factory.type, runtime: placed ? 'rust' : 'typescript',
      ...(u.hostOnly ? { hostOnly: u.hostOnly } : {}),
    });
  }
  return { config: { ...config, components: sections }, decisions };
}

/** A component's signals as the pipelines use it: signals, or `from>to` pairs for a connector. */
function signalUses(section: PlacedSection, id: string, pipelines: readonly PipelineConfig[]): string[] {
  const uses = (as: 'receivers' | 'exporters' | 'processors') => pipelines.filter((p) => p[as].some((used) => used.toString() === id)).map((p) => p.signal);
  if (section !== 'connectors') return [...new Set(uses(section))];
  const pairs = uses('exporters').flatMap((from) => uses('receivers').map((to) => `${from}>${to}`));
  return [...new Set(pairs)];
}

async function unit(
  section: PlacedSection, component: ComponentConfig, uses: string[], config: Config, factories: Factories, check: EngineCheck,
): Promise<Unit> {
  const { id, factory } = component;
  const hostOnly = (reason: string): Unit => ({ section, component, fixed: 'typescript', hostOnly: reason });
  if (factory.runtime === 'rust') return { section, component, fixed: 'rust' };
  const twin = factory.engineTwin;
  if (!twin || fromComponentPackage(factory)) return { section, component, fixed: 'typescript' };
  if (config.runtime.placement.in_host.includes(id.toString())) return hostOnly('runtime::placement::in_host');
  const twinFactory = factories.get(SECTION_KIND[section], twin.type);
  if (!twinFactory || twinFactory.runtime !== 'rust') return hostOnly(`this collector's engine has no ${twin.type}`);
  const unsupported = uses.find((use) => !supports(twinFactory, use));
  if (unsupported) return hostOnly(`${twin.type} does not take ${unsupported.replace('>', ' to ')}`);
  const mapped = twin.config(component.config);
  if ('hostOnly' in mapped) return hostOnly(mapped.hostOnly);
  const refused = await check(section, twin.type, id.toString(), mapped.config);
  if (refused) return hostOnly(`${twin.type} refuses its config: ${refused}`);
  return { section, component, twin: { factory: twinFactory, config: mapped.config } };
}

function supports(factory: AnyFactory, use: string): boolean {
  const [from, to] = use.split('>') as [Signal, Signal | undefined];
  if (!SIGNALS.includes(from)) return false;
  switch (factory.kind) {
    case 'connector':
      return to !== undefined && factory.stability(from, to) !== StabilityLevel.Undefined;
    case 'extension':
      return false;
    default:
      return factory.stability(from) !== StabilityLevel.Undefined;
  }
}
