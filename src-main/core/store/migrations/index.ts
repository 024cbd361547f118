import type { Migration } from '../migration.ts';
import { migration as m1 } from './0001_files.ts';
import { migration as m2 } from './0002_batches.ts';
import { migration as m3 } from './0003_requests.ts';
import { migration as m4 } from './0004_backends.ts';
import { migration as m5 } from './0005_events.ts';
import { migration as m6 } from './0006_settings.ts';
import { migration as m7 } from './0007_nodes.ts';
import { migration as m8 } from './0008_requests_by_custom_id.ts';
import { migration as m9 } from './0009_cluster_desired_state.ts';
import { migration as m10 } from './0010_batches_expired_at.ts';
import { migration as m11 } from './0011_replica_desired_state.ts';
import { migration as m12 } from './0012_requests_without_custom_id_index.ts';

/** In order; a new migration is a new file added at the end, never an edit of an old one. */
export const migrations: readonly Migration[] = [m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12];
