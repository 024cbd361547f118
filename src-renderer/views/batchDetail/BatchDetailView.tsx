import { Panel } from '../../components/Panel.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useBatch } from './useBatch.ts';
import { BatchHeader } from './BatchHeader.tsx';
import { BatchActions } from './BatchActions.tsx';
import { ThroughputChart } from './ThroughputChart.tsx';
import { BatchLog } from './BatchLog.tsx';
import { ResultsTable } from './ResultsTable.tsx';
import { DeadLetters } from './DeadLetters.tsx';

export function BatchDetailView({ id }: { id: string }) {
  const { batch, error } = useBatch(id);
  if (!batch) {
    return (
      <div className="view">
        <p><a href="#/batches">← Batches</a></p>
        {error ? <ErrorMessage error={error} title={`Batch ${id}`} /> : <Loading what={`batch ${id}`} />}
      </div>
    );
  }
  return (
    <div className="view">
      <p className="breadcrumb"><a href="#/batches">← Batches</a></p>
      <BatchHeader batch={batch} />
      <BatchActions batch={batch} />
      <div className="detail-grid">
        <Panel title="Throughput"><ThroughputChart batchId={batch.id} /></Panel>
        <Panel title="Event log"><BatchLog batchId={batch.id} /></Panel>
      </div>
      <Panel title="Results"><ResultsTable batch={batch} /></Panel>
      <Panel title={`Dead letters (${batch.counts.failed})`}><DeadLetters batch={batch} /></Panel>
    </div>
  );
}
