// Voice guidance through the kiosk's Audio device (Audio.Speak via devices.js); mute and volume.
let audio = null;
let canSetVolume = false;
export const voice = { muted: false, volume: 3, spoken: [] }; // volume 1..5; `spoken` helps tests

/** Use the device set's Audio service, when the kiosk has one. */
export async function attachAudio(devices) {
  try {
    audio = devices.service("Audio");
    canSetVolume = (await audio.capabilities()).commands?.includes("Audio.SetVolume") ?? false;
  } catch {
    audio = null;
  }
}

/** Speak a text (cutting off what was being said). */
export function speak(text, lang) {
  voice.spoken.push(text);
  if (voice.muted || !audio || !text) return;
  audio.cancel().catch(() => {});
  audio.command("Audio.Speak", { text, language: lang.startsWith("zh") ? "zh" : "en" }).catch(() => {});
}

/** Stop speaking now (session end, mute). */
export function stopSpeaking() {
  audio?.cancel().catch(() => {});
}

export function setMuted(muted) {
  voice.muted = muted;
  if (muted) stopSpeaking();
}

/** Change the volume one step; the device is told when its service offers Audio.SetVolume. */
export function changeVolume(delta) {
  voice.volume = Math.min(5, Math.max(1, voice.volume + delta));
  if (canSetVolume) audio.command("Audio.SetVolume", { level: voice.volume }).catch(() => {});
  return voice.volume;
}
