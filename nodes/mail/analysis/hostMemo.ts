/**
 * A pure function of a host name (or address), remembered. A mail names the same few hosts many
 * times (every link to one site, the sender in several headers), and a trigger analyses mail after
 * mail from the same senders; the public suffix lookup and IDN conversion behind each answer cost
 * more than the rest of judging a link. At most `size` answers are kept; when full, it starts over.
 */
export function memoByHost<T>(work: (host: string) => T, size = 1024): (host: string) => T {
	const known = new Map<string, T>();
	return (host) => {
		if (known.has(host)) return known.get(host) as T;
		const answer = work(host);
		if (known.size >= size) known.clear();
		known.set(host, answer);
		return answer;
	};
}
