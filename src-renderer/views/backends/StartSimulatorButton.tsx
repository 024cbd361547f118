import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { applyLocally } from '../../store/applyLocally.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';

/**
 * One click to the built-in simulated backend (generated answers, no GPU), for a new user with no backend yet:
 * offered by the Backends view and the Dashboard alike.
 */
export function StartSimulatorButton() {
  const api = useApi();
  const simulator = useAction(async () => applyLocally('backend.updated', await api.invoke('backends.startSimulator', {})));
  return (
    <>
      <button type="button" className="btn btn--primary" onClick={() => void simulator.run()} disabled={simulator.pending}>
        Start the built-in simulator
      </button>
      <ErrorMessage error={simulator.error} onDismiss={simulator.clearError} title="The simulator did not start" />
    </>
  );
}
