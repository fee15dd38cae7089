/** The mail module: everything about IMAP, SMTP and messages, nothing about n8n. */
export * from './account';
export * from './addresses';
export * from './connection';
export * from './errors';
export * from './ping';
export * from './send';
export * from './cursor';
export * from './message';
export * from './poll';
export * from './rules';
export * from './search';
export * from './attachments';
export * from './eml';
export * from './folders';
export * from './replies';
export * from './wait';
export * from './analysis';
