import type { Logger } from '../../../src/observability/logger';
import { selectsEvent, type CallbackStore, type MessageCallback } from './callbackConfig';
import type { CallbackWriter } from './callbackWriter';
import {
  deleteMediaComplete,
  mediaBaseChangeComplete,
  planEvents,
  type EventBody,
  type PlannedEvent,
} from './events';
import type { EmulatorKnobs, UploadKnobs } from './knobs';
import { planSeed, planUpload, type SeedVideoSpec, type VideoPlan } from './plan';
import { createRandom, deriveSeed } from '../../random';
import { scheduleWrites } from './deliverySchedule';
import { playStatus, planEnd, videoStatus, isDeleted } from './videoState';

/**
 * The simulated videos and VOD's event writer: each planned event is written to the callback
 * configured at the moment it fires, three attempts about a second apart (scaled), then dropped.
 */
export type DeliveryOutcome =
  /** not written yet (due later or between attempts) */
  | 'pending'
  | 'delivered'
  /** three attempts failed; VOD gives up */
  | 'dropped'
  /** lost by the dropRate/dropEvents knobs: never written */
  | 'lost'
  /** no callback configured for the video's AppId when the event fired */
  | 'noCallback'
  /** the callback's EventTypeList does not select this event type */
  | 'notSelected'
  /** a seeded video's event the seed did not ask to deliver, or any event of a suppressEvents upload */
  | 'suppressed'
  /** the video was deleted before the event fired */
  | 'cancelled';

export interface DeliveryAttempt {
  at: number;
  ok: boolean;
  error?: string;
}

export interface DeliveryRecord {
  eventType: string;
  copy: number;
  dueAt: number;
  outcome: DeliveryOutcome;
  attempts: DeliveryAttempt[];
  /** `mns:<endpoint>/<queue>` or `http:<url>` of the first attempt. */
  target?: string;
  body: EventBody;
}

export interface DeliveryStats {
  videos: number;
  events: number;
  writes: number;
  delivered: number;
  dropped: number;
  lost: number;
  noCallback: number;
  notSelected: number;
  failedAttempts: number;
  pending: number;
}

export interface VideoView {
  videoId: string;
  status: string;
  /** What GetPlayInfo sees (it can lag behind `status`). */
  playStatus: string;
  deleted: boolean;
  /** Every write due so far is finished and the timeline has reached its end. */
  settled: boolean;
  plan: VideoPlan;
  events: DeliveryRecord[];
}

interface SimVideo {
  plan: VideoPlan;
  records: DeliveryRecord[];
}

export interface SimulationOptions {
  timeScale: number;
  seed: number;
  regionId: string;
  callbacks: CallbackStore;
  writer: CallbackWriter;
  logger: Logger;
  now?: () => number;
}

const attemptsPerEvent = 3;
const retryGapMs = 1000;

export class VodSimulation {
  private readonly videos = new Map<string, SimVideo>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private uploadCounter = 0;
  private failedAttempts = 0;
  private stopped = false;
  knobs: EmulatorKnobs = {};
  readonly now: () => number;

  constructor(private readonly options: SimulationOptions) {
    this.now = options.now ?? Date.now;
  }

  get timeScale(): number {
    return this.options.timeScale;
  }

  plan(videoId: string): VideoPlan | undefined {
    return this.videos.get(videoId)?.plan;
  }

  videoIds(): string[] {
    return [...this.videos.keys()];
  }

  simulateUpload(opts: { seed?: number; knobs?: UploadKnobs } = {}): string {
    const seed = opts.seed ?? deriveSeed(this.options.seed, this.uploadCounter++);
    const rng = createRandom(seed);
    const knobs: UploadKnobs = { ...this.knobs, ...opts.knobs };
    const plan = planUpload(
      { rng, now: this.now(), timeScale: this.options.timeScale, regionId: this.options.regionId },
      knobs,
    );
    if (this.videos.has(plan.videoId)) throw new Error(`video ${plan.videoId} exists (seed reused?)`);
    const video: SimVideo = { plan, records: [] };
    this.videos.set(plan.videoId, video);
    const events = planEvents(plan);
    if (knobs.suppressEvents) {
      // The video lives its life; VOD writes nothing (a callback that points nowhere).
      for (const event of events) {
        video.records.push({
          eventType: event.eventType,
          copy: 0,
          dueAt: event.at,
          outcome: 'suppressed',
          attempts: [],
          body: event.body,
        });
      }
      return plan.videoId;
    }
    for (const write of scheduleWrites(events, knobs, rng, this.options.timeScale)) {
      const event = events[write.eventIndex] as PlannedEvent;
      const record: DeliveryRecord = {
        eventType: write.eventType,
        copy: write.copy,
        dueAt: write.at,
        outcome: write.lost ? 'lost' : 'pending',
        attempts: [],
        body: event.body,
      };
      video.records.push(record);
      if (!write.lost) this.scheduleAttempt(video, record, write.at, 1, write.failAttempts);
    }
    return plan.videoId;
  }

  seedVideo(spec: SeedVideoSpec & { deliver?: string[] }): string {
    const rng = createRandom(deriveSeed(this.options.seed ^ 0x5eed, this.uploadCounter++));
    const now = this.now();
    if (spec.createdAt !== undefined && !(spec.createdAt <= now - 60_000)) {
      throw new Error('createdAt must be at least a minute in the past');
    }
    const plan = planSeed({ rng, now, timeScale: 1, regionId: this.options.regionId }, spec);
    if (this.videos.has(plan.videoId)) throw new Error(`video ${plan.videoId} exists`);
    const video: SimVideo = { plan, records: [] };
    this.videos.set(plan.videoId, video);
    const deliver = new Set(spec.deliver ?? []);
    for (const event of planEvents(plan)) {
      const record: DeliveryRecord = {
        eventType: event.eventType,
        copy: 0,
        dueAt: event.at,
        outcome: deliver.has(event.eventType) ? 'pending' : 'suppressed',
        attempts: [],
        body: event.body,
      };
      video.records.push(record);
      if (record.outcome === 'pending') this.scheduleAttempt(video, record, this.now(), 1, 0);
    }
    return plan.videoId;
  }

  /** DeleteVideo: the video disappears from the APIs; DeleteMediaComplete follows. */
  deleteVideo(videoId: string): boolean {
    const video = this.videos.get(videoId);
    const now = this.now();
    if (!video || isDeleted(video.plan, now)) return false;
    video.plan.deletedAt = now;
    for (const r of video.records) {
      if (r.outcome === 'pending' && r.attempts.length === 0 && r.dueAt > now) r.outcome = 'cancelled';
    }
    const at = now + Math.round(200 * this.options.timeScale);
    for (const body of [
      mediaBaseChangeComplete(video.plan, 'delete', at),
      deleteMediaComplete(video.plan, at),
    ]) {
      const record: DeliveryRecord = {
        eventType: body.EventType as string,
        copy: 0,
        dueAt: at,
        outcome: 'pending',
        attempts: [],
        body,
      };
      video.records.push(record);
      this.scheduleAttempt(video, record, at, 1, 0);
    }
    return true;
  }

  view(videoId: string): VideoView | undefined {
    const video = this.videos.get(videoId);
    if (!video) return undefined;
    const now = this.now();
    const end = planEnd(video.plan);
    return {
      videoId,
      status: videoStatus(video.plan, now),
      playStatus: playStatus(video.plan, now),
      deleted: isDeleted(video.plan, now),
      settled: video.records.every((r) => r.outcome !== 'pending') && (!Number.isFinite(end) || now >= end),
      plan: video.plan,
      events: video.records,
    };
  }

  /** Resolves once the video is settled (bounded by `timeoutMs`). */
  async whenSettled(videoId: string, timeoutMs = 60_000): Promise<VideoView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const view = this.view(videoId);
      if (!view) throw new Error(`unknown video ${videoId}`);
      if (view.settled) return view;
      if (Date.now() > deadline) throw new Error(`video ${videoId} not settled within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  stats(): DeliveryStats {
    const stats: DeliveryStats = {
      videos: this.videos.size,
      events: 0,
      writes: 0,
      delivered: 0,
      dropped: 0,
      lost: 0,
      noCallback: 0,
      notSelected: 0,
      failedAttempts: this.failedAttempts,
      pending: 0,
    };
    for (const video of this.videos.values()) {
      for (const r of video.records) {
        if (r.copy === 0 && r.outcome !== 'suppressed') stats.events++;
        stats.writes += r.attempts.length;
        if (r.outcome === 'delivered') stats.delivered++;
        else if (r.outcome === 'dropped') stats.dropped++;
        else if (r.outcome === 'lost') stats.lost++;
        else if (r.outcome === 'noCallback') stats.noCallback++;
        else if (r.outcome === 'notSelected') stats.notSelected++;
        else if (r.outcome === 'pending') stats.pending++;
      }
    }
    return stats;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private scheduleAttempt(
    video: SimVideo,
    record: DeliveryRecord,
    at: number,
    attempt: number,
    failAttempts: number,
    config?: MessageCallback,
  ): void {
    if (this.stopped) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void this.attempt(video, record, attempt, failAttempts, config);
      },
      Math.max(0, at - this.now()),
    );
    this.timers.add(timer);
  }

  private async attempt(
    video: SimVideo,
    record: DeliveryRecord,
    attempt: number,
    failAttempts: number,
    pinned?: MessageCallback,
  ): Promise<void> {
    if (this.stopped || record.outcome !== 'pending') return;
    // VOD reads the callback configuration when the event fires and keeps it for the retries.
    const config = pinned ?? this.options.callbacks.get(video.plan.appId);
    if (!config) {
      record.outcome = 'noCallback';
      return;
    }
    if (!selectsEvent(config, record.eventType)) {
      record.outcome = 'notSelected';
      return;
    }
    record.target ??=
      config.CallbackType === 'MNS'
        ? `mns:${config.MnsEndpoint}/${config.MnsQueueName}`
        : `http:${config.CallbackURL}`;
    const at = this.now();
    try {
      if (attempt <= failAttempts) throw new Error('write failed (injected by failDeliveryRate)');
      await this.options.writer.write(config, JSON.stringify(record.body));
      record.attempts.push({ at, ok: true });
      record.outcome = 'delivered';
    } catch (err) {
      if (this.stopped) return;
      const message = err instanceof Error ? err.message : String(err);
      record.attempts.push({ at, ok: false, error: message });
      this.failedAttempts++;
      if (attempt >= attemptsPerEvent) {
        record.outcome = 'dropped';
        this.options.logger.warn(
          { videoId: video.plan.videoId, eventType: record.eventType, error: message },
          'event dropped after three failed writes',
        );
        return;
      }
      // VOD's HTTP retries are a second apart in real time: they belong to VOD's delivery, not
      // to the simulated processing timeline (a receiver's outage loses exactly what it would).
      const gapMs =
        config.CallbackType === 'HTTP' ? retryGapMs : Math.round(retryGapMs * this.options.timeScale);
      this.scheduleAttempt(video, record, this.now() + gapMs, attempt + 1, failAttempts, config);
    }
  }
}
