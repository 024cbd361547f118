import { useEffect, useRef, useState } from 'react';
import { useAppStore } from '../store/appStore.ts';
import { statusWord } from '../components/StatusBadge.tsx';

/**
 * What a screen reader hears without looking: node and coordinator state changes in a polite live region,
 * and each new critical alert in an assertive one (role=alert). Both are visually hidden; the views show the
 * same facts. Nothing is said for the first snapshot, only for changes after it.
 */
export function Announcer() {
  const [polite, setPolite] = useState('');
  const [critical, setCritical] = useState('');
  const seenStates = useRef<Map<string, string> | null>(null);
  const seenAlerts = useRef<Set<string> | null>(null);

  useEffect(() => {
    const check = (s: ReturnType<typeof useAppStore.getState>) => {
      if (!s.connection.loaded) return;
      const states = new Map<string, string>();
      for (const n of Object.values(s.nodes)) states.set(`node:${n.id}`, `${n.name}|${n.state}`);
      if (s.coordinator) states.set('coordinator', `The coordinator|${s.coordinator.state}`);
      const alerts = new Set(Object.values(s.alerts).filter((a) => a.severity === 'critical').map((a) => a.id));
      const before = seenStates.current;
      const beforeAlerts = seenAlerts.current;
      seenStates.current = states;
      seenAlerts.current = alerts;
      if (!before || !beforeAlerts) return;
      const changes: string[] = [];
      for (const [key, value] of states) {
        const old = before.get(key);
        if (old === undefined || old === value) continue;
        const [name, state] = value.split('|') as [string, string];
        changes.push(`${name} is ${statusWord(state)}.`);
      }
      if (changes.length) setPolite(changes.join(' '));
      const fresh = Object.values(s.alerts).filter((a) => a.severity === 'critical' && !beforeAlerts.has(a.id));
      if (fresh.length) setCritical(fresh.map((a) => `Critical alert: ${a.message.replace(/`/g, '')}`).join(' '));
    };
    check(useAppStore.getState());
    return useAppStore.subscribe(check);
  }, []);

  return (
    <>
      <div className="visually-hidden" role="status" aria-live="polite" data-testid="announce-polite">{polite}</div>
      <div className="visually-hidden" role="alert" data-testid="announce-critical">{critical}</div>
    </>
  );
}
