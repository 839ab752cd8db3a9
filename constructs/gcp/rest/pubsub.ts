import { GoogleRest } from './client';

/** The Pub/Sub message inside a Cloud Functions (2nd gen) `messagePublished` CloudEvent. */
export interface PubsubCloudEvent {
  readonly id?: string;
  readonly data?: {
    readonly message?: {
      readonly data?: string;
      readonly attributes?: Readonly<Record<string, string>>;
      readonly messageId?: string;
    };
  };
}

export interface DecodedMessage {
  readonly messageId: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** The JSON payload; undefined when the data is absent or not JSON. */
  readonly json: unknown;
}

export function decodeMessage(event: PubsubCloudEvent): DecodedMessage {
  const message = event.data?.message ?? {};
  let json: unknown = undefined;
  if (message.data) {
    try {
      json = JSON.parse(Buffer.from(message.data, 'base64').toString('utf8'));
    } catch {
      json = undefined;
    }
  }
  return { messageId: message.messageId ?? event.id ?? '', attributes: message.attributes ?? {}, json };
}

/** `POST https://pubsub.googleapis.com/v1/{topic}:publish` with one JSON message. */
export async function publishJson(rest: GoogleRest, topic: string, value: unknown, attributes: Record<string, string> = {}): Promise<void> {
  await rest.request('POST', `https://pubsub.googleapis.com/v1/${topic}:publish`, {
    messages: [{ data: Buffer.from(JSON.stringify(value), 'utf8').toString('base64'), attributes }],
  });
}
