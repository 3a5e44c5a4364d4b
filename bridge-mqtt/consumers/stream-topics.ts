// Consumer stream topics (bridge-mqtt/README.md, Topics): a device's accepted readings as canonical
// protobuf bytes on sensorchain/v1/streams/<device id>, and as JSON on …/<device id>/json. Topics
// carry the device id only, never its owner.
import { DEVICE_ID_PATTERN } from "../../modules/device/keys.ts";
import { streamTopic } from "../topics.ts";

export type StreamForm = "protobuf" | "json";

export const streamJsonTopic = (deviceId: string): string => `${streamTopic(deviceId)}/json`;
/** Sent to a consumer alone (not a subscription) when the bridge ends its stream of a device. */
export const streamRevokedTopic = (deviceId: string): string => `${streamTopic(deviceId)}/revoked`;

const STREAM_TOPIC = /^sensorchain\/v1\/streams\/([^/]+)(\/json)?$/;

/** The device and form of a stream topic; undefined for anything else (wildcards included). */
export function parseStreamTopic(topic: string): { deviceId: string; form: StreamForm } | undefined {
  const match = STREAM_TOPIC.exec(topic);
  if (match === null || !DEVICE_ID_PATTERN.test(match[1]!)) return undefined;
  return { deviceId: match[1]!, form: match[2] === undefined ? "protobuf" : "json" };
}

/** True for any topic under sensorchain/v1/streams/ (a wildcard or a malformed device id too). */
export const isUnderStreams = (topic: string): boolean => topic.startsWith("sensorchain/v1/streams/");
