import { z } from 'zod';

/** An upload's key (see UPLOAD_KEY_HEADER in shared/upload.ts): one UUID, nothing else. Kept here, with zod, out of the renderer's bundle. */
export const uploadKeySchema = z.uuid();
