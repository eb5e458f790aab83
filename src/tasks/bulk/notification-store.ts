/** One in-app notification for one user. */
export interface NewNotification {
  userId: string;
  title: string;
  message: string;
  /** Same key on a retry of the same task and user: stored once. */
  idempotencyKey: string;
  createdAt: Date;
}

/** Where in-app notifications are stored (the shared database's `notifications`). */
export interface NotificationStore {
  /** Stores one notification: `created`, `duplicate` (key seen before) or `unknown-user` (nothing stored). */
  createNotification(notification: NewNotification): Promise<'created' | 'duplicate' | 'unknown-user'>;
}
