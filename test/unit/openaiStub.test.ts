/**
 * The OpenAI-compatible stub the agent host tests use as their model: it must answer as OpenAI's
 * chat completions API does, with tool calls and texts, in one JSON body or as server-sent events.
 */
import { startOpenAiStub, toolResults, type OpenAiStub } from '../helpers/openaiStub';

let stub: OpenAiStub;

beforeAll(async () => {
	stub = await startOpenAiStub((request) =>
		toolResults(request).length === 0
			? { toolCalls: [{ name: 'Delete_mail', arguments: { Message_ID: '<a@example.test>' } }] }
			: { text: 'Deleted.' },
	);
});

afterAll(() => stub.close());

const chat = (body: Record<string, unknown>) =>
	fetch(`${stub.baseUrl}/chat/completions`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ model: 'gpt-4o-mini', ...body }),
	});

it('answers with a tool call, then with a text once the tool result is back', async () => {
	const messages = [{ role: 'user', content: 'Delete <a@example.test>' }];
	const first = (await (await chat({ messages, tools: [] })).json()) as {
		choices: Array<{
			message: { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> };
			finish_reason: string;
		}>;
	};
	const [call] = first.choices[0].message.tool_calls;
	expect(first.choices[0].finish_reason).toBe('tool_calls');
	expect([call.function.name, JSON.parse(call.function.arguments)]).toEqual([
		'Delete_mail',
		{ Message_ID: '<a@example.test>' },
	]);
	const second = (await (
		await chat({
			messages: [
				...messages,
				{ role: 'assistant', tool_calls: [call] },
				{ role: 'tool', tool_call_id: call.id, content: 'deleted' },
			],
		})
	).json()) as { choices: Array<{ message: { content: string } }> };
	expect(second.choices[0].message.content).toBe('Deleted.');
	expect(stub.requests).toHaveLength(2);
});

it('streams the same answer as server-sent events when asked to', async () => {
	const response = await chat({ messages: [{ role: 'user', content: 'Delete it' }], stream: true });
	expect(response.headers.get('content-type')).toBe('text/event-stream');
	const events = (await response.text())
		.split('\n\n')
		.filter(Boolean)
		.map((event) => event.replace(/^data: /, ''));
	expect(events.at(-1)).toBe('[DONE]');
	const chunks = events.slice(0, -1).map(
		(event) =>
			JSON.parse(event) as {
				choices: Array<{
					delta: { tool_calls?: Array<{ function: { name: string } }> };
					finish_reason: string | null;
				}>;
			},
	);
	expect(
		chunks
			.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []))
			.map((call) => call.function.name),
	).toEqual(['Delete_mail']);
	expect(chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason)).filter(Boolean)).toEqual([
		'tool_calls',
	]);
});

it('lists a model, and refuses what it does not serve', async () => {
	expect(
		((await (await fetch(`${stub.baseUrl}/models`)).json()) as { data: Array<{ id: string }> }).data.map(
			(model) => model.id,
		),
	).toEqual(['gpt-4o-mini']);
	expect((await fetch(`${stub.baseUrl}/responses`, { method: 'POST', body: '{}' })).status).toBe(404);
});
