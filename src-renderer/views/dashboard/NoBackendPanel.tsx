import { useAppStore } from '../../store/appStore.ts';
import { selectBackends } from '../../store/selectors.ts';
import { Panel } from '../../components/Panel.tsx';
import { StartSimulatorButton } from '../backends/StartSimulatorButton.tsx';

/** On a first run nothing can execute: the Dashboard says so and offers the simulator, until a backend exists. */
export function NoBackendPanel() {
  const noBackend = useAppStore((s) => s.connection.loaded && selectBackends(s).length === 0);
  if (!noBackend) return null;
  return (
    <Panel title="No inference backend" actions={<a className="btn btn--small" href="#/backends">Add a backend</a>}>
      <p>Batches you submit wait in the queue until a backend serves their model.</p>
      <p className="muted">Try the whole flow now with the built-in simulator (generated answers, no GPU needed), then add a llama-server, vLLM or Ollama endpoint in Backends.</p>
      <div>
        <StartSimulatorButton />
      </div>
    </Panel>
  );
}
