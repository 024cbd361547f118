import { useAppStore } from '../../store/appStore.ts';
import { selectBatchIds, selectBatchTabCounts, type BatchTab } from '../../store/selectors.ts';
import { Tabs } from '../../components/Tabs.tsx';
import { Loading } from '../../components/Loading.tsx';
import { navigate } from '../../router/useRoute.ts';
import { BatchTable } from './BatchTable.tsx';

const TAB_LABELS: Record<BatchTab, string> = { active: 'Active', completed: 'Completed', failed: 'Failed' };
const EMPTY: Record<BatchTab, string> = {
  active: 'No batch is queued or running.',
  completed: 'No batch has completed yet.',
  failed: 'No batch has failed, expired or been cancelled.',
};
const selectors = { active: selectBatchIds('active'), completed: selectBatchIds('completed'), failed: selectBatchIds('failed') };

export function BatchesView({ tab }: { tab: BatchTab }) {
  const ids = useAppStore(selectors[tab]);
  const counts = useAppStore(selectBatchTabCounts);
  const loaded = useAppStore((s) => s.connection.loaded);
  return (
    <div className="view view--fill">
      <div className="view__head">
        <h1 className="view__title">Batches</h1>
        <a className="btn" href="#/submit">Submit a batch</a>
      </div>
      <Tabs
        label="Batch lists"
        idPrefix="batches"
        selected={tab}
        onSelect={(key) => navigate({ view: 'batches', tab: key }, { replace: true })}
        tabs={(Object.keys(TAB_LABELS) as BatchTab[]).map((key) => ({ key, label: TAB_LABELS[key], badge: counts[key] }))}
      />
      <div className="tab-panel" role="tabpanel" id="batches-panel" aria-labelledby={`batches-tab-${tab}`}>
        {!loaded ? <Loading what="batches" /> : ids.length === 0 ? <p className="muted empty">{EMPTY[tab]}</p> : (
          <BatchTable ids={ids} label={`${TAB_LABELS[tab]} batches (${ids.length})`} />
        )}
      </div>
    </div>
  );
}
