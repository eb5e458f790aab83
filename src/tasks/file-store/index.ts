/** File storage for task families: the FileStore interface, a directory implementation (the default) and an in-memory one. */
export { assertValidFileKey, InvalidFileKey, type FileBody, type FileStore, type PutFileResult, type StoredFile } from './file-store';
export { DirectoryFileStore } from './directory-file-store';
export { MemoryFileStore } from './memory-file-store';
