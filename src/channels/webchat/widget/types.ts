/** The part of a Bot Framework activity the widget reads or writes. */
export interface Attachment {
  contentType?: string;
  contentUrl?: string;
  name?: string;
  content?: unknown;
}

export interface CardAction {
  type?: string;
  title?: string;
  value?: unknown;
  text?: string;
  displayText?: string;
}

export interface Activity {
  type?: string;
  id?: string;
  text?: string;
  textFormat?: string;
  locale?: string;
  timestamp?: string;
  from?: { id?: string; name?: string; role?: string };
  suggestedActions?: { actions?: CardAction[] };
  attachments?: Attachment[];
  channelData?: { clientActivityID?: string; [key: string]: unknown };
}

/** A Direct Line activity set: one stream frame or one `GET …/activities` answer. */
export interface ActivitySet {
  activities?: Activity[];
  watermark?: string | null;
}
