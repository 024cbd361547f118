import type { ResultRow } from '../../../shared/batch.ts';
import { prettyJson, summarizeResponse } from '../../format/payload.ts';

/** One request and its response in full, side by side. */
export function RowDetail({ row, onClose }: { row: ResultRow; onClose: () => void }) {
  return (
    <section className="row-detail" aria-label={`Request ${row.customId}`}>
      <header className="row-detail__head">
        <strong className="mono">{row.customId}</strong>
        <span className="small muted">
          line {row.index + 1} · {row.state} · {row.attempts} attempt{row.attempts === 1 ? '' : 's'}
          {row.promptTokens != null && ` · ${row.promptTokens} in / ${row.completionTokens ?? 0} out tokens`}
        </span>
        <button type="button" className="btn btn--small btn--ghost" onClick={onClose}>Close</button>
      </header>
      <div className="row-detail__cols">
        <div>
          <h4>Request</h4>
          <pre className="code">{prettyJson(row.request)}</pre>
        </div>
        <div>
          <h4>Response{row.statusCode != null ? ` (HTTP ${row.statusCode})` : ''}</h4>
          {row.error && <p className="text-bad small">{row.error.code}: {row.error.message}</p>}
          {row.response != null && <p className="small" aria-label="Response text">{summarizeResponse(row.response)}</p>}
          <pre className="code">{row.response === null || row.response === undefined ? 'No response yet.' : prettyJson(row.response)}</pre>
        </div>
      </div>
    </section>
  );
}
