/** A file found under a FileTree's root. */
export interface FileEntry {
  /** Path relative to the root, `/`-separated. */
  path: string;
  modifiedAt: Date;
  sizeBytes: number;
}

/** A directory the maintenance tasks sweep (the storage directory, the temp directory). */
export interface FileTree {
  /** Where it is, for reports and logs. */
  readonly root: string;
  /** Every regular file below the root (symbolic links are neither followed nor listed). */
  listFiles(): AsyncIterable<FileEntry>;
  /** Removes one listed file; false when it was already gone. */
  removeFile(path: string): Promise<boolean>;
  /** Writes, reads back and removes a probe file; throws when the tree is not writable. */
  checkWritable(): Promise<void>;
}
