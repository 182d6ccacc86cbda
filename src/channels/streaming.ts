/**
 * Streamed replies, in the Bot Framework's livestreaming convention (the one Teams and Web Chat use), so
 * any Direct Line client that knows it can show it:
 *
 * - while the text grows: `typing` activities carrying the text so far, with
 *   `channelData: { streamType: 'streaming', streamId, streamSequence }` (sequence 1, 2, 3, …);
 * - at the end: one `message` activity with the complete text and `channelData: { streamType: 'final',
 *   streamId }`, which replaces the interim text.
 *
 * Channels that cannot show a growing message drop the interim activities and deliver only the final
 * message (WeChat, the terminal); Telegram edits one message, throttled. Interim activities are never
 * stored in the transcript: the final message is the reply of record.
 */
import { ActivityTypes, type Activity } from 'botbuilder';

export interface StreamInfo {
  streamType: 'streaming' | 'final';
  streamId: string;
  streamSequence?: number;
}

/** The interim activity: the text so far. */
export function streamingActivity(streamId: string, sequence: number, text: string): Partial<Activity> {
  return { type: ActivityTypes.Typing, text, channelData: { streamType: 'streaming', streamId, streamSequence: sequence } satisfies StreamInfo };
}

/** Marks a complete message as the end of a stream (it keeps its own text, buttons and attachments). */
export function finalActivity<T extends Partial<Activity>>(streamId: string, message: T): T {
  return { ...message, channelData: { ...(message.channelData ?? {}), streamType: 'final', streamId } satisfies StreamInfo };
}

/** The stream an activity belongs to, if any. */
export function streamInfo(activity: Partial<Activity>): StreamInfo | undefined {
  const data = activity.channelData as Partial<StreamInfo> | undefined;
  if (!data || (data.streamType !== 'streaming' && data.streamType !== 'final') || typeof data.streamId !== 'string') return undefined;
  return { streamType: data.streamType, streamId: data.streamId, ...(typeof data.streamSequence === 'number' ? { streamSequence: data.streamSequence } : {}) };
}

/** An interim (not final) streamed activity: shown live where possible, never stored. */
export function isInterimStream(activity: Partial<Activity>): boolean {
  return activity.type === ActivityTypes.Typing && streamInfo(activity)?.streamType === 'streaming';
}
