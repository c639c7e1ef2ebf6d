/** What the door agent hears and feels with a verdict: yes is one high beep and a short buzz, no is two low ones. */
export type Tone = "yes" | "no" | "warn";

let audio: AudioContext | null = null;

function beep(context: AudioContext, frequency: number, start: number, seconds: number) {
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.type = "square";
  oscillator.frequency.value = frequency;
  gain.gain.setValueAtTime(0.15, context.currentTime + start);
  gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + start + seconds);
  oscillator.connect(gain).connect(context.destination);
  oscillator.start(context.currentTime + start);
  oscillator.stop(context.currentTime + start + seconds);
}

export function feedback(tone: Tone) {
  try {
    audio ??= new AudioContext();
    if (tone === "yes") beep(audio, 1320, 0, 0.15);
    else if (tone === "warn") beep(audio, 660, 0, 0.3);
    else {
      beep(audio, 220, 0, 0.18);
      beep(audio, 220, 0.24, 0.18);
    }
  } catch {
    // No sound (no audio device, or not allowed yet): the colours still say it.
  }
  navigator.vibrate?.(tone === "yes" ? 120 : [250, 100, 250]);
}
