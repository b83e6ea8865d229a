// A product's files on disk: staged uploads moved into place, and the product columns that point at them.
import { removeStored, storeStagedFile, type StagedFile, type StoredFile, type UploadKind } from "./uploads.server.ts";

export type ProductFiles = Partial<Record<UploadKind, StagedFile>>;
export type StoredProductFiles = Partial<Record<UploadKind, StoredFile>>;

/** Moves the staged files into place; if anything later fails, `undo` removes them again. */
export async function storeProductFiles(files: ProductFiles) {
  const stored: StoredProductFiles = {};
  for (const kind of ["cover", "deliverable"] as const) {
    const file = files[kind];
    if (file) stored[kind] = await storeStagedFile(file);
  }
  return { stored, undo: () => removeStored(Object.values(stored).map((f) => f.relativePath)) };
}

export function fileColumns(stored: StoredProductFiles) {
  return {
    ...(stored.cover ? { coverImagePath: stored.cover.relativePath } : {}),
    ...(stored.deliverable
      ? {
          deliverablePath: stored.deliverable.relativePath,
          deliverableName: stored.deliverable.originalName,
          deliverableMimeType: stored.deliverable.mimeType,
          deliverableSizeBytes: stored.deliverable.sizeBytes,
        }
      : {}),
  };
}
