import addressparser from 'nodemailer/lib/addressparser';

import { MailError } from './errors';

export interface Address {
	name: string;
	address: string;
}

// Deliberately plain: one @, no spaces or brackets, a dotted domain (or an IP literal).
const ADDRESS_PATTERN = /^[^\s@<>()[\]\\,;:"]+@(?:[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]+|\[[0-9a-fA-F:.]+\])$/;

export function isValidAddress(address: string): boolean {
	return ADDRESS_PATTERN.test(address);
}

/** Splits a comma-separated list ("Ann <a@x.org>, b@y.org"); groups are flattened. */
export function parseAddressList(value: string | undefined): Address[] {
	if (!value || !value.trim()) return [];
	const flat: Address[] = [];
	const visit = (entries: ReturnType<typeof addressparser>) => {
		for (const entry of entries) {
			if ('group' in entry && entry.group) visit(entry.group);
			else if ('address' in entry)
				flat.push({ name: (entry.name || '').trim(), address: (entry.address || '').trim() });
		}
	};
	visit(addressparser(value));
	return flat.filter((entry) => entry.address || entry.name);
}

/** Parses and validates a list a user typed; `field` names the parameter in the error. */
export function requireAddressList(value: string | undefined, field: string, { required = false } = {}): Address[] {
	if (value && /[\r\n]/.test(value)) {
		throw new MailError(
			'INVALID_INPUT',
			`${field} contains a line break: write the addresses on one line, separated by commas.`,
		);
	}
	const list = parseAddressList(value);
	const invalid = list.filter((entry) => !isValidAddress(entry.address));
	if (invalid.length > 0) {
		const shown = invalid.map((entry) => entry.address || entry.name).join('", "');
		throw new MailError(
			'INVALID_INPUT',
			`${field} has an invalid email address: "${shown}". Use name@domain, separated by commas.`,
		);
	}
	if (required && list.length === 0) {
		throw new MailError('INVALID_INPUT', `${field} is empty: give at least one email address.`);
	}
	return list;
}

/** Lower-cased, trimmed address for comparisons. */
export function normalizeAddress(address: string): string {
	return address.trim().toLowerCase();
}

/** Message-IDs are written with angle brackets in outputs; inputs may come with or without them. */
export function normalizeMessageId(value: string): string {
	const trimmed = value.trim();
	if (!trimmed) return '';
	return `<${trimmed.replace(/^<+/, '').replace(/>+$/, '')}>`;
}
