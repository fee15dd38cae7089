import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { servers } from './servers';

/** A JWT the test Dovecot accepts for `email` (HS256 with its key, its issuer). */
export function signToken(
	email: string,
	{ expiresInSeconds = 3600, key = servers().oauth.hs256Key, issuer = servers().oauth.issuer } = {},
): string {
	const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
	const header = encode({ alg: 'HS256', typ: 'JWT' });
	const now = Math.floor(Date.now() / 1000);
	const payload = encode({
		iss: issuer,
		sub: email,
		email,
		iat: now,
		exp: now + expiresInSeconds,
		jti: randomBytes(6).toString('hex'),
	});
	const signature = createHmac('sha256', Buffer.from(key, 'base64')).update(`${header}.${payload}`).digest('base64url');
	return `${header}.${payload}.${signature}`;
}

export interface MockOAuthProvider {
	url: string;
	tokenUrl: string;
	/** A refresh token that yields fresh access tokens for `email`. */
	issueRefreshToken(email: string): string;
	revoke(refreshToken: string): void;
	refreshCount(): number;
	close(): Promise<void>;
}

/**
 * A local OAuth2 token endpoint (refresh_token and authorization_code grants) signing tokens with
 * the key the test Dovecot trusts, so that n8n's own refresh code can be driven against it.
 */
export async function startMockOAuthProvider(): Promise<MockOAuthProvider> {
	const refreshTokens = new Map<string, { email: string; revoked: boolean }>();
	let refreshes = 0;
	const server = http.createServer((request, response) => {
		let body = '';
		request.on('data', (chunk) => (body += chunk));
		request.on('end', () => {
			const form = new URLSearchParams(body);
			const reply = (status: number, data: object) => {
				response.writeHead(status, { 'content-type': 'application/json' });
				response.end(JSON.stringify(data));
			};
			if (request.method !== 'POST' || !request.url?.startsWith('/token')) return reply(404, { error: 'not_found' });
			const grant = form.get('grant_type');
			const token = form.get(grant === 'authorization_code' ? 'code' : 'refresh_token') ?? '';
			const entry = refreshTokens.get(token);
			if (!entry || entry.revoked)
				return reply(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
			refreshes++;
			return reply(200, {
				access_token: signToken(entry.email),
				token_type: 'Bearer',
				expires_in: 3600,
				refresh_token: token,
				scope: 'https://mail.google.com/',
			});
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		url,
		tokenUrl: `${url}/token`,
		issueRefreshToken(email) {
			const token = `refresh-${randomBytes(8).toString('hex')}`;
			refreshTokens.set(token, { email, revoked: false });
			return token;
		},
		revoke(refreshToken) {
			const entry = refreshTokens.get(refreshToken);
			if (entry) entry.revoked = true;
		},
		refreshCount: () => refreshes,
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}

/** Asks the mock provider for a new access token, as n8n's refresh would. */
export async function refreshFrom(provider: MockOAuthProvider, refreshToken: string): Promise<string> {
	const response = await fetch(provider.tokenUrl, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
	});
	const data = (await response.json()) as { access_token?: string; error_description?: string };
	if (!response.ok || !data.access_token)
		throw new Error(data.error_description ?? `token endpoint answered ${response.status}`);
	return data.access_token;
}
