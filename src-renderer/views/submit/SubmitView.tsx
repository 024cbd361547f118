import { useEffect } from 'react';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { useAppStore } from '../../store/appStore.ts';
import { selectModelOptions } from '../../store/selectors.ts';
import { applyLocally } from '../../store/applyLocally.ts';
import { navigate } from '../../router/useRoute.ts';
import { parseHash } from '../../router/routes.ts';
import { Panel } from '../../components/Panel.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { formatBytes, formatInt } from '../../format/numbers.ts';
import { DropZone } from './DropZone.tsx';
import { ValidationErrors } from './ValidationErrors.tsx';
import { RequestPreview } from './RequestPreview.tsx';
import { EstimatePanel } from './EstimatePanel.tsx';
import { clearDraft, discardDraft, setDraft, useSubmitDraft } from './submitDraft.ts';
import { ValidationProgress } from './ValidationProgress.tsx';
import { SelectField } from '../../components/SelectField.tsx';

export function SubmitView() {
  const api = useApi();
  const draft = useSubmitDraft();
  const models = useAppStore(selectModelOptions);
  const report = draft.report;
  // Leaving the view removes an upload that was not submitted (its stored file and the rows written for it).
  // Checked after the unmount settles: React's development double-mount must not discard a fresh drop.
  useEffect(() => () => {
    setTimeout(() => { if (parseHash(window.location.hash).view !== 'submit') void discardDraft(api); }, 0);
  }, [api]);
  const submit = useAction(async () => {
    if (!draft.fileId || !draft.fileName || !report?.ok) return;
    const batch = await api.invoke('batches.submit', {
      fileId: draft.fileId,
      name: draft.name.trim() || draft.fileName,
      ...(draft.model ? { model: draft.model } : {}),
      priority: draft.priority,
    });
    applyLocally('batch.updated', batch);
    clearDraft();
    navigate({ view: 'batch', id: batch.id });
  });

  const fileModelServed = !report?.model || models.some((m) => m.model === report.model);

  return (
    <div className="view">
      <h1 className="view__title">Submit a batch</h1>
      <DropZone />
      <ValidationProgress onCancel={() => void discardDraft(api)} />
      <ErrorMessage error={draft.error} title="Could not validate the file" />
      {report && (
        <>
          <p className="small">
            <strong>{draft.fileName}</strong> ({formatBytes(report.bytes)}): {formatInt(report.lineCount)} request{report.lineCount === 1 ? '' : 's'}
            {report.endpoint && <> to <code>{report.endpoint}</code></>}
            {report.model && <> for <code>{report.model}</code></>}
            {' '}<span className="muted">validated in {(report.elapsedMs / 1000).toFixed(1)} s</span>
          </p>
          {report.errors.length > 0 && <ValidationErrors errors={report.errors} />}
          <Panel title="Run it">
              <form
                className="form"
                onSubmit={(e) => {
                  e.preventDefault();
                  void submit.run();
                }}
              >
                <div className="form__row">
                  <label className="field">
                    <span>Batch name</span>
                    <input value={draft.name} maxLength={255} onChange={(e) => setDraft({ name: e.target.value })} />
                  </label>
                  <SelectField label="Model" value={draft.model} onChange={(e) => setDraft({ model: e.target.value })}>
                    {report.model && !fileModelServed && (
                      <option value={report.model}>{report.model} (from the file; no backend serves it)</option>
                    )}
                    {!report.model && <option value="">(as in the file)</option>}
                    {models.map((m) => (
                      <option key={m.model} value={m.model}>
                        {m.model}{m.healthy ? '' : ' (backend down)'} · {m.backends.join(', ')}
                      </option>
                    ))}
                  </SelectField>
                  <label className="field field--narrow">
                    <span>Priority</span>
                    <input type="number" min={-100} max={100} step={1} value={draft.priority}
                      onChange={(e) => setDraft({ priority: Math.max(-100, Math.min(100, Math.trunc(Number(e.target.value) || 0))) })} />
                  </label>
                </div>
                {models.length === 0 && (
                  <p className="small text-warn">
                    No backend serves any model yet; the batch will wait in the queue. <a href="#/backends">Configure a backend</a>.
                  </p>
                )}
                {draft.model && !models.some((m) => m.model === draft.model) && models.length > 0 && (
                  <p className="small text-warn">No configured backend serves {draft.model}; the batch will wait until one does.</p>
                )}
                {report.ok
                  ? <EstimatePanel requestCount={report.lineCount} model={draft.model || null} priority={draft.priority} />
                  : <p className="small text-bad">This file cannot be submitted until every error above is fixed.</p>}
                {/* Sticky: after a file is picked, the action stays in view above the fold (1440x900). */}
                <div className="form__actions form__actions--sticky">
                  <button type="submit" className="btn btn--primary" disabled={submit.pending || !report.ok} aria-busy={submit.pending}>
                    Submit batch
                  </button>
                  {submit.pending && <span className="small muted" role="status">Submitting…</span>}
                  <button type="button" className="btn btn--ghost" onClick={() => void discardDraft(api)} disabled={submit.pending}>
                    Discard
                  </button>
                </div>
                <ErrorMessage error={submit.error} onDismiss={submit.clearError} title="The batch was not submitted" />
              </form>
          </Panel>
          {/* The preview comes after the action, so picking a file never pushes Submit below the fold. */}
          {report.preview.length > 0 && (
            <Panel title="Preview"><RequestPreview preview={report.preview} /></Panel>
          )}
        </>
      )}
    </div>
  );
}
