// MQTT topics of the bridge, version 1 (README.md, Topics). The version is part of every topic so
// that a v2 layout can run beside v1 while devices migrate.
import { DEVICE_ID_PATTERN } from "../modules/device/keys.ts";

export const TOPIC_ROOT = "sensorchain/v1";

/** A device publishes its signed readings here. */
export const readingsTopic = (deviceId: string): string => `${TOPIC_ROOT}/devices/${deviceId}/readings`;
/** The bridge answers each rejected reading here, with a stable code. */
export const errorsTopic = (deviceId: string): string => `${TOPIC_ROOT}/devices/${deviceId}/errors`;
/** Commands to an actuator (part 2: paid commands, entitled consumers). */
export const commandsTopic = (deviceId: string): string => `${TOPIC_ROOT}/devices/${deviceId}/commands`;
/** Accepted readings of one device, for entitled consumers (part 2). */
export const streamTopic = (deviceId: string): string => `${TOPIC_ROOT}/streams/${deviceId}`;

const DEVICE_TOPIC = /^sensorchain\/v1\/devices\/([^/]+)\/(readings|errors|commands)$/;

export type DeviceTopicKind = "readings" | "errors" | "commands";

/** The device and kind of a device topic, or undefined for any other topic (wildcards included). */
export function parseDeviceTopic(topic: string): { deviceId: string; kind: DeviceTopicKind } | undefined {
  const match = DEVICE_TOPIC.exec(topic);
  if (match === null || !DEVICE_ID_PATTERN.test(match[1]!)) return undefined;
  return { deviceId: match[1]!, kind: match[2] as DeviceTopicKind };
}
