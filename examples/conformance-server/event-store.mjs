// A bounded in-memory EventStore for the SDK's Streamable HTTP transport: it gives SSE events
// ids (so the transport sends a priming event) and replays a stream after a Last-Event-ID.
// Event ids are "<streamId>|<sequence>" so the stream of any id is known without a lookup.
export class BoundedEventStore {
  constructor(maxEvents = 1000) {
    this.maxEvents = maxEvents;
    this.events = []; // [{ eventId, streamId, sequence, message }] in arrival order
    this.sequence = 0;
  }

  async storeEvent(streamId, message) {
    this.sequence += 1;
    const eventId = `${streamId}|${this.sequence}`;
    this.events.push({ eventId, streamId, sequence: this.sequence, message });
    if (this.events.length > this.maxEvents) this.events.shift();
    return eventId;
  }

  async getStreamIdForEventId(eventId) {
    const separator = eventId.lastIndexOf('|');
    return separator > 0 ? eventId.slice(0, separator) : undefined;
  }

  async replayEventsAfter(lastEventId, { send }) {
    const streamId = await this.getStreamIdForEventId(lastEventId);
    if (streamId === undefined) return '';
    const after = Number(lastEventId.slice(lastEventId.lastIndexOf('|') + 1));
    for (const event of this.events) {
      // Priming events store an empty message; they are not replayed.
      if (event.streamId !== streamId || event.sequence <= after || !event.message) continue;
      if (Object.keys(event.message).length === 0) continue;
      await send(event.eventId, event.message);
    }
    return streamId;
  }
}
