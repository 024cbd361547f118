import { useAppStore } from '../store/appStore.ts';

const WORDS = { open: 'Live', connecting: 'Connecting…', closed: 'Disconnected' } as const;

export function ConnectionIndicator() {
  const status = useAppStore((s) => s.connection.status);
  const transport = useAppStore((s) => s.connection.transport);
  return (
    <div className={`conn conn--${status}`} role="status" aria-label={`Engine connection: ${WORDS[status]}`}>
      <span className="conn__dot" aria-hidden="true" />
      <span>{WORDS[status]}</span>
      {transport && <span className="small muted">{transport === 'electron' ? 'desktop' : 'WebSocket'}</span>}
    </div>
  );
}
