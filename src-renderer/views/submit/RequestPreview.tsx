import type { ValidationReport } from '../../../shared/batch.ts';
import { summarizeRequest } from '../../format/payload.ts';

export function RequestPreview({ preview }: { preview: ValidationReport['preview'] }) {
  if (preview.length === 0) return null;
  return (
    <table className="table" aria-label="Preview of the first requests">
      <thead>
        <tr><th className="num">Line</th><th>custom_id</th><th>Request</th></tr>
      </thead>
      <tbody>
        {preview.map((p) => (
          <tr key={p.line}>
            <td className="num muted">{p.line}</td>
            <td className="mono">{p.customId}</td>
            <td className="truncate-cell">{summarizeRequest(p.body)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
