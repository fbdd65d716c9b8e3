/** The Notifier port: send a message to people (chat, e-mail, a webhook). */
export const Severity = {
  INFO: "info",
  WARNING: "warning",
  ERROR: "error",
  CRITICAL: "critical",
} as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

export interface NotificationLink {
  readonly label: string;
  readonly url: string;
}

export interface Notification {
  readonly subject: string;
  readonly body: string;
  readonly severity?: Severity;
  readonly links?: readonly NotificationLink[];
}

export interface Notifier {
  /** Deliver one message; rejects when the destination refuses it. */
  notify(message: Notification, options?: { readonly signal?: AbortSignal }): Promise<void>;
  close(): Promise<void>;
}
