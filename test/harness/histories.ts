import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

/**
 * Same as historyFromJSON from @temporalio/common, for the CLI's proto3 JSON. That helper
 * fails here ("type must be a Type"): npm installs two copies of protobufjs 8 (one under
 * @temporalio/common, one under @temporalio/proto) and its protojson extension only accepts
 * types of its own copy. So parse with the extension of the copy that built the types.
 */
export function historyFromCliJson(json: unknown): proto.temporal.api.history.v1.IHistory {
  const protoDir = path.dirname(require.resolve('@temporalio/proto'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as {
    fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): unknown;
  };
  const root = patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown };
  const historyType = root.lookupType('temporal.api.history.v1.History');
  return protojson.fromJson(historyType, json, {
    ignoreUnknownFields: true,
  }) as proto.temporal.api.history.v1.IHistory;
}

/** A recorded history file (test/fixtures/histories): its workflow id and its history. */
export async function readRecordedHistory(
  file: string,
): Promise<{ workflowId: string; history: proto.temporal.api.history.v1.IHistory }> {
  const recorded = JSON.parse(await readFile(file, 'utf8')) as { workflowId: string; history: unknown };
  return { workflowId: recorded.workflowId, history: historyFromCliJson(recorded.history) };
}
