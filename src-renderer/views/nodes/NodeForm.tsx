import { useId, useState } from 'react';
import type { NodeAuth, NodeInfo } from '../../../shared/nodes.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { applyLocally } from '../../store/applyLocally.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { LanWarning } from './LanWarning.tsx';
import { SelectField } from '../../components/SelectField.tsx';
import { Pending, useSince } from '../../components/Pending.tsx';

type AuthMethod = NodeAuth['method'];

const toPort = (s: string, fallback: number) => (s.trim() === '' ? fallback : Number(s));

/**
 * Add a node (no `node`) or edit one: the fields of nodeInputSchema. The engine validates every field (nothing
 * reaches a remote shell unchecked) and its findings are shown per field. Secrets are never shown back: when
 * editing, the authentication is sent only if the operator changes it.
 */
export function NodeForm({ node, onDone }: { node?: NodeInfo; onDone: () => void }) {
  const api = useApi();
  const bindGroup = useId();
  const [name, setName] = useState(node?.name ?? '');
  const [host, setHost] = useState(node?.host ?? '');
  const [sshPort, setSshPort] = useState(String(node?.sshPort ?? 22));
  const [user, setUser] = useState(node?.user ?? '');
  const [method, setMethod] = useState<AuthMethod>(node?.authMethod ?? 'agent');
  const [keyPath, setKeyPath] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [password, setPassword] = useState('');
  const [rpcServerPath, setRpcServerPath] = useState(node?.rpcServerPath ?? '');
  const [rpcPort, setRpcPort] = useState(String(node?.rpcPort ?? 50052));
  const [devices, setDevices] = useState(node?.devices ?? '');
  const [cache, setCache] = useState(node?.cache ?? false);
  const [bind, setBind] = useState<'tunnel' | 'lan'>(node?.bind ?? 'tunnel');
  const [acceptedHostKey, setAcceptedHostKey] = useState(node?.acceptedHostKey ?? '');

  const authTouched = !node || method !== node.authMethod || keyPath !== '' || passphrase !== '' || password !== '';
  const auth = (): NodeAuth =>
    method === 'key' ? { method, keyPath: keyPath.trim(), ...(passphrase ? { passphrase } : {}) }
      : method === 'password' ? { method, password }
        : { method: 'agent' };

  const save = useAction(async () => {
    const fields = {
      name: name.trim(),
      host: host.trim(),
      sshPort: toPort(sshPort, 22),
      user: user.trim(),
      rpcServerPath: rpcServerPath.trim(),
      rpcPort: toPort(rpcPort, 50052),
      devices: devices.trim(),
      cache,
      bind,
      acceptedHostKey: acceptedHostKey.trim() || null,
    };
    const saved = node
      ? await api.invoke('nodes.update', { id: node.id, ...fields, ...(authTouched ? { auth: auth() } : {}) })
      : await api.invoke('nodes.add', { ...fields, auth: auth() });
    applyLocally('node.updated', saved);
    onDone();
  });

  const savingSince = useSince(save.pending);
  return (
    <form
      className="form form--card"
      aria-label={node ? `Edit node ${node.name}` : 'Add a node'}
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h2 className="form__heading">{node ? `Edit ${node.name}` : 'Add a node'}</h2>
      <div className="form__row">
        <label className="field">
          <span>Name</span>
          <input required value={name} maxLength={63} placeholder="gpu-box-1" onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>Host</span>
          <input required value={host} maxLength={253} placeholder="192.168.1.20 or gpu1.lan" onChange={(e) => setHost(e.target.value)} />
        </label>
        <label className="field field--narrow">
          <span>SSH port</span>
          <input type="number" min={1} max={65535} value={sshPort} onChange={(e) => setSshPort(e.target.value)} />
        </label>
        <label className="field">
          <span>User</span>
          <input required value={user} maxLength={32} onChange={(e) => setUser(e.target.value)} />
        </label>
      </div>
      <div className="form__row">
        <SelectField label="Authentication" className="field--narrow" value={method} onChange={(e) => setMethod(e.target.value as AuthMethod)}>
          <option value="agent">ssh-agent</option>
          <option value="key">Key file</option>
          <option value="password">Password</option>
        </SelectField>
        {method === 'key' && (
          <>
            <label className="field field--wide">
              <span>Key file</span>
              <input required={authTouched} value={keyPath} placeholder={node?.authMethod === 'key' ? 'unchanged; type a path to replace' : '~/.ssh/id_ed25519'} onChange={(e) => setKeyPath(e.target.value)} />
            </label>
            <label className="field">
              <span>Key passphrase</span>
              <input type="password" autoComplete="off" value={passphrase} placeholder="optional" onChange={(e) => setPassphrase(e.target.value)} />
            </label>
          </>
        )}
        {method === 'password' && (
          <label className="field">
            <span>Password</span>
            <input type="password" autoComplete="off" required={authTouched} value={password} placeholder={node?.authMethod === 'password' ? 'stored; leave blank to keep' : ''} onChange={(e) => setPassword(e.target.value)} />
          </label>
        )}
      </div>
      <div className="form__row">
        <label className="field field--wide">
          <span>rpc-server path</span>
          <input value={rpcServerPath} placeholder="found on PATH or in ~/llama.cpp/build/bin when empty" onChange={(e) => setRpcServerPath(e.target.value)} />
        </label>
        <label className="field field--narrow">
          <span>RPC port</span>
          <input type="number" min={1} max={65535} value={rpcPort} onChange={(e) => setRpcPort(e.target.value)} />
        </label>
        <label className="field">
          <span>Devices</span>
          <input value={devices} placeholder="all (or CUDA0,CUDA1)" onChange={(e) => setDevices(e.target.value)} />
        </label>
        <label className="field field--check">
          <input type="checkbox" checked={cache} onChange={(e) => setCache(e.target.checked)} />
          <span>Tensor cache (-c)</span>
        </label>
      </div>
      <fieldset className="form__row fieldset">
        <legend>rpc-server listens on</legend>
        <label className="field field--check">
          <input type="radio" name={bindGroup} value="tunnel" checked={bind === 'tunnel'} onChange={() => setBind('tunnel')} />
          <span>127.0.0.1 on the node, through an SSH tunnel (recommended)</span>
        </label>
        <label className="field field--check">
          <input type="radio" name={bindGroup} value="lan" checked={bind === 'lan'} onChange={() => setBind('lan')} />
          <span>The node's LAN address</span>
        </label>
      </fieldset>
      {bind === 'lan' && <LanWarning node={{ host: host || 'node', rpcPort: toPort(rpcPort, 50052) }} />}
      <label className="field field--wide">
        <span>Accepted fingerprint (optional)</span>
        <input value={acceptedHostKey} placeholder="SHA256:… — accept on first contact instead" onChange={(e) => setAcceptedHostKey(e.target.value)} />
      </label>
      <div className="form__actions">
        <button type="submit" className="btn btn--primary" disabled={save.pending}>{node ? 'Save node' : 'Add node'}</button>
        <button type="button" className="btn btn--ghost" onClick={onDone}>Cancel</button>
      </div>
      {save.pending && <Pending what={node ? 'Saving, then reconnecting to the node over SSH' : 'Saving, then connecting to the node over SSH for its host key'} since={savingSince} />}
      <ErrorMessage error={save.error} onDismiss={save.clearError} title="Not saved" />
    </form>
  );
}
