import { answersNeeded, decide, parseApprovalsRequired, type Vote } from '../../nodes/Email/actions/approvalVotes';

const vote = (by: string, answer: { approved?: boolean; text?: string }): Vote => ({
	by,
	...answer,
	at: '2026-12-07T10:00:00.000Z',
	ip: '127.0.0.1',
	user_agent: 'test',
});
const voters = ['ann@example.test', 'bob@example.test', 'cid@example.test'];
const yes = (by: string) => vote(by, { approved: true });
const no = (by: string) => vote(by, { approved: false });

describe('Approvals Required', () => {
	it('reads first, all and whole numbers; refuses anything else', () => {
		expect(['first', '', undefined, ' FIRST ', '1', 1].map(parseApprovalsRequired)).toEqual([
			'first',
			'first',
			'first',
			'first',
			'first',
			'first',
		]);
		expect([parseApprovalsRequired('all'), parseApprovalsRequired('2'), parseApprovalsRequired(3)]).toEqual([
			'all',
			2,
			3,
		]);
		for (const bad of ['0', '-1', '1.5', 'both', 'two']) expect(parseApprovalsRequired(bad)).toBeUndefined();
		expect(answersNeeded({ required: 'all', voters })).toBe(3);
		expect(answersNeeded({ required: 2, voters })).toBe(2);
	});
});

describe('decide', () => {
	const state = (required: 'first' | 'all' | number, rejectOnAnyReject = true) => ({
		required,
		voters,
		rejectOnAnyReject,
	});

	it('first: the first answer decides, approve or reject', () => {
		expect(decide(state('first'), [yes(voters[1])])).toEqual({ done: true, approved: true, by: voters[1] });
		expect(decide(state('first'), [no(voters[2])])).toEqual({ done: true, approved: false, by: voters[2] });
	});

	it('all: waits for every recipient, names the last; one reject ends it rejected', () => {
		expect(decide(state('all'), [yes(voters[0])])).toEqual({ done: false });
		expect(decide(state('all'), [yes(voters[0]), yes(voters[1])])).toEqual({ done: false });
		expect(decide(state('all'), [yes(voters[0]), yes(voters[1]), yes(voters[2])])).toEqual({
			done: true,
			approved: true,
			by: voters[2],
		});
		expect(decide(state('all'), [yes(voters[0]), no(voters[1])])).toEqual({
			done: true,
			approved: false,
			by: voters[1],
		});
	});

	it('N with Reject on Any Reject off: rejects count, and end it only once N approvals cannot be reached', () => {
		expect(decide(state(2, false), [no(voters[0])])).toEqual({ done: false });
		expect(decide(state(2, false), [no(voters[0]), yes(voters[1]), yes(voters[2])])).toEqual({
			done: true,
			approved: true,
			by: voters[2],
		});
		expect(decide(state(2, false), [no(voters[0]), no(voters[1])])).toEqual({
			done: true,
			approved: false,
			by: voters[1],
		});
		expect(decide(state('all', false), [yes(voters[0]), no(voters[1])])).toEqual({
			done: true,
			approved: false,
			by: voters[1],
		});
	});

	it('free text: N texts end it, with the last text', () => {
		expect(decide(state(2), [vote(voters[0], { text: 'block' })])).toEqual({ done: false });
		expect(decide(state(2), [vote(voters[0], { text: 'block' }), vote(voters[2], { text: 'agreed' })])).toEqual({
			done: true,
			text: 'agreed',
			by: voters[2],
		});
	});
});
