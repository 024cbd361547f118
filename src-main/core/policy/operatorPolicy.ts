import path from 'node:path';
import type { OperatorAllowListInfo, OperatorKind } from '../../../shared/operator.ts';
import { allowedKeyFile, allowedLlamaServer, allowedModel } from './allowedPaths.ts';
import { checkLlamaServerFlags } from './llamaServerFlags.ts';
import { FIELD_OF_KIND, mergeAllowLists, type OperatorAllowList } from './operatorAllowList.ts';
import { operatorFilePath, readOperatorFile, writeOperatorFile } from './operatorConfigFile.ts';
import { expandHome } from './resolvePath.ts';

/** The checks the node service asks before it runs llama-server or reads a key file. */
export interface OperatorChecks {
  llamaServer(requested: string | undefined): string;
  model(requested: string): string;
  keyFile(requested: string): string;
  llamaServerFlags(args: readonly string[]): string[];
}

/**
 * The allow-list in force for one engine: serve flags over `<data-dir>/operator.json` over the defaults.
 * `allow` is for the machine's operator only (the desktop's file pickers): no request of the API reaches it.
 */
export class OperatorPolicy implements OperatorChecks {
  private readonly o: { configFile: string | null; flags?: Partial<OperatorAllowList> };
  private list: OperatorAllowList;
  private readonly listeners = new Set<(info: OperatorAllowListInfo) => void>();

  /** configFile null: the flags alone, nothing kept (tests, and engines that must not read the data folder). */
  constructor(o: { configFile: string | null; flags?: Partial<OperatorAllowList> }) {
    this.o = o;
    this.list = mergeAllowLists(o.flags, o.configFile ? readOperatorFile(o.configFile) : {});
  }

  static forDataDir(dataDir: string, flags?: Partial<OperatorAllowList>): OperatorPolicy {
    return new OperatorPolicy({ configFile: operatorFilePath(dataDir), ...(flags ? { flags } : {}) });
  }

  info(): OperatorAllowListInfo {
    return { ...this.list, configFile: this.o.configFile ?? '' };
  }

  onChange(listener: (info: OperatorAllowListInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds a path the operator chose on this machine, and keeps it in the config file. */
  allow(kind: OperatorKind, chosen: string): OperatorAllowListInfo {
    const field = FIELD_OF_KIND[kind];
    const abs = path.resolve(expandHome(chosen));
    if (!this.list[field].includes(abs)) {
      if (this.o.configFile) {
        const file = readOperatorFile(this.o.configFile);
        writeOperatorFile(this.o.configFile, { ...file, [field]: [...new Set([...(file[field] ?? this.list[field]), abs])] });
      }
      this.list = { ...this.list, [field]: [...this.list[field], abs] };
      const info = this.info();
      for (const l of this.listeners) l(info);
    }
    return this.info();
  }

  llamaServer(requested: string | undefined): string {
    return allowedLlamaServer(this.list, requested);
  }

  model(requested: string): string {
    return allowedModel(this.list, requested);
  }

  keyFile(requested: string): string {
    return allowedKeyFile(this.list, requested);
  }

  llamaServerFlags(args: readonly string[]): string[] {
    return checkLlamaServerFlags(args);
  }
}
