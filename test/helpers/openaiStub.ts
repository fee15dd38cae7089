/**
 * A small OpenAI-compatible model on 127.0.0.1 for tests of AI Agents in a real n8n: it answers
 * `POST /v1/chat/completions` (plain JSON, or server-sent events when the request streams) and
 * `GET /v1/models`, with what a test's script says: a tool call or a final text. No network, no
 * real model. Every request is kept, so a test can read what the agent sent (tools, tool results).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatMessage {
	role: string;
	content?: string | null | Array<{ type: string; text?: string }>;
	name?: string;
	tool_call_id?: string;
	tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
}

export interface ChatRequest {
	model: string;
	messages: ChatMessage[];
	tools?: Array<{
		type: 'function';
		function: { name: string; description?: string; parameters?: Record<string, unknown> };
	}>;
	stream?: boolean;
}

/** What the model answers: calls of tools (by name, with their arguments), or a final text. */
export type ModelTurn = { toolCalls: Array<{ name: string; arguments: Record<string, unknown> }> } | { text: string };

/** Decides the next answer from the request (the conversation so far); the script of a test. */
export type ModelScript = (request: ChatRequest, turn: number) => ModelTurn;

export interface OpenAiStub {
	/** The base URL to put in n8n's OpenAI credential (`…/v1`). */
	baseUrl: string;
	requests: ChatRequest[];
	close(): Promise<void>;
}

/** The text of a message, whether the client sent a string or content parts. */
export function messageText(message: ChatMessage): string {
	if (typeof message.content === 'string') return message.content;
	return (message.content ?? []).map((part) => part.text ?? '').join('');
}

/** The tool results the agent has sent back so far, by tool call id. */
export function toolResults(request: ChatRequest): ChatMessage[] {
	return request.messages.filter((message) => message.role === 'tool');
}

function readBody(request: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		request.on('error', reject);
	});
}

function completion(request: ChatRequest, turn: ModelTurn, callId: (index: number) => string) {
	const toolCalls =
		'toolCalls' in turn
			? turn.toolCalls.map((call, index) => ({
					id: callId(index),
					type: 'function' as const,
					function: { name: call.name, arguments: JSON.stringify(call.arguments) },
				}))
			: undefined;
	const message = {
		role: 'assistant',
		content: 'text' in turn ? turn.text : null,
		...(toolCalls ? { tool_calls: toolCalls } : {}),
	};
	return {
		id: `chatcmpl-stub-${Date.now()}`,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model: request.model,
		choices: [{ index: 0, message, finish_reason: toolCalls ? 'tool_calls' : 'stop', logprobs: null }],
		usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
	};
}

/** The same answer as server-sent events, the way OpenAI streams: role, content or tool calls, finish, [DONE]. */
function streamed(response: ServerResponse, body: ReturnType<typeof completion>) {
	const { message, finish_reason } = body.choices[0];
	const chunk = (delta: Record<string, unknown>, finish: string | null) =>
		`data: ${JSON.stringify({ id: body.id, object: 'chat.completion.chunk', created: body.created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
	response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
	response.write(chunk({ role: 'assistant', content: message.content ?? '' }, null));
	if ('tool_calls' in message && message.tool_calls) {
		response.write(chunk({ tool_calls: message.tool_calls.map((call, index) => ({ index, ...call })) }, null));
	}
	response.write(chunk({}, finish_reason));
	response.write(
		`data: ${JSON.stringify({ ...body, object: 'chat.completion.chunk', choices: [], usage: body.usage })}\n\n`,
	);
	response.end('data: [DONE]\n\n');
}

/** Starts the stub on 127.0.0.1 (a free port unless given). */
export async function startOpenAiStub(script: ModelScript, port = 0): Promise<OpenAiStub> {
	const requests: ChatRequest[] = [];
	let calls = 0;
	const server: Server = createServer((request, response) => {
		void (async () => {
			const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '');
			if (request.method === 'GET' && path === '/v1/models') {
				response.writeHead(200, { 'content-type': 'application/json' });
				response.end(
					JSON.stringify({
						object: 'list',
						data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'stub' }],
					}),
				);
				return;
			}
			if (request.method !== 'POST' || path !== '/v1/chat/completions') {
				response.writeHead(404, { 'content-type': 'application/json' });
				response.end(
					JSON.stringify({
						error: { message: `the stub serves no ${request.method} ${path}`, type: 'invalid_request_error' },
					}),
				);
				return;
			}
			const body = JSON.parse(await readBody(request)) as ChatRequest;
			requests.push(body);
			const turn = script(body, requests.length - 1);
			const answer = completion(body, turn, () => `call_stub_${++calls}`);
			if (body.stream) return streamed(response, answer);
			response.writeHead(200, { 'content-type': 'application/json' });
			response.end(JSON.stringify(answer));
		})().catch((error: Error) => {
			response.writeHead(500, { 'content-type': 'application/json' });
			response.end(
				JSON.stringify({ error: { message: `the stub's script failed: ${error.message}`, type: 'server_error' } }),
			);
		});
	});
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	const { port: bound } = server.address() as AddressInfo;
	return {
		baseUrl: `http://127.0.0.1:${bound}/v1`,
		requests,
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}
