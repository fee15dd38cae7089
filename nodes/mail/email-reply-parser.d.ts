// email-reply-parser 1.x ships CommonJS without type definitions (2.x is ESM-only, which jest and
// Node < 20.19 cannot require); these are the parts the reply parser uses.
declare module 'email-reply-parser' {
	class Fragment {
		isHidden(): boolean;
		isSignature(): boolean;
		isQuoted(): boolean;
		getContent(): string;
	}

	class Email {
		getFragments(): Fragment[];
		getVisibleText(): string;
	}

	class EmailReplyParser {
		read(text: string): Email;
		parseReply(text: string): string;
	}

	export = EmailReplyParser;
}
