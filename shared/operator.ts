/**
 * What the machine's operator allows the engine to run and read: the llama-server programs, the folders
 * whose GGUF models a client may load, and the folders whose SSH key files node connections may use.
 * Clients of the API choose among these; only the machine itself (serve flags, the config file, the
 * desktop's file pickers) can change them.
 */
export const OPERATOR_KINDS = ['llamaServer', 'modelsDir', 'sshKeysDir'] as const;
export type OperatorKind = (typeof OPERATOR_KINDS)[number];

export interface OperatorAllowListInfo {
  llamaServers: string[];
  modelsDirs: string[];
  sshKeysDirs: string[];
  /** The config file beside the data folder that holds what was allowed without flags. */
  configFile: string;
}

/** The `batchdeck serve` flag that allows each kind, for messages that tell the operator what to set. */
export const OPERATOR_FLAGS: Record<OperatorKind, string> = {
  llamaServer: '--llama-server',
  modelsDir: '--models-dir',
  sshKeysDir: '--ssh-keys-dir',
};
