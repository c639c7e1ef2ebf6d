"use client";

import jsQR from "jsqr";
import { Flashlight, FlashlightOff, SwitchCamera } from "lucide-react";
import { useEffect, useRef, useState } from "react";

import { Button } from "@/components/ui/button";

/** How often a frame is read for a code. */
const FRAME_INTERVAL_MS = 120;
/** Frames are read at most this wide (decoding cost grows with the pixels). */
const DECODE_WIDTH = 640;

type Detector = { detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]> };
type DetectorClass = { new (options: { formats: string[] }): Detector; getSupportedFormats(): Promise<string[]> };

/** The browser's own QR reader where it has one (not Chromium on Linux), else null. */
async function nativeDetector(): Promise<Detector | null> {
  const BarcodeDetector = (globalThis as unknown as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  if (!BarcodeDetector) return null;
  try {
    const formats = await BarcodeDetector.getSupportedFormats();
    return formats.includes("qr_code") ? new BarcodeDetector({ formats: ["qr_code"] }) : null;
  } catch {
    return null;
  }
}

type Facing = "environment" | "user";

/**
 * The camera, read continuously: every code seen is handed to `onCode` (the caller decides
 * what to do with a code it saw a moment ago). Back camera first; a button switches to the
 * front one, another lights the torch where the camera has one.
 */
export function Camera({ onCode }: { onCode: (text: string) => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const onCodeRef = useRef(onCode);
  const [facing, setFacing] = useState<Facing>("environment");
  const [problem, setProblem] = useState<string | null>(null);
  const [track, setTrack] = useState<MediaStreamTrack | null>(null);
  const [torch, setTorch] = useState<boolean | null>(null);

  useEffect(() => {
    onCodeRef.current = onCode;
  }, [onCode]);

  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer: number | undefined;
    let stopped = false;
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });

    async function start() {
      if (!navigator.mediaDevices?.getUserMedia) {
        setProblem("This browser cannot use a camera here. Type or paste the code below.");
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: facing }, audio: false });
      } catch {
        setProblem("The camera could not be opened. Allow camera access for this site, or type the code below.");
        return;
      }
      if (stopped || !video.current) return;
      setProblem(null);
      video.current.srcObject = stream;
      await video.current.play().catch(() => {});
      const [videoTrack] = stream.getVideoTracks();
      setTrack(videoTrack ?? null);
      const capabilities = (videoTrack?.getCapabilities?.() ?? {}) as { torch?: boolean };
      setTorch(capabilities.torch ? false : null);
      const detector = await nativeDetector();
      const read = async () => {
        const element = video.current;
        if (stopped || !element || element.readyState < 2) return;
        if (detector) {
          const codes = await detector.detect(element).catch(() => []);
          if (codes[0]) onCodeRef.current(codes[0].rawValue);
          return;
        }
        const scale = Math.min(1, DECODE_WIDTH / element.videoWidth);
        canvas.width = Math.round(element.videoWidth * scale);
        canvas.height = Math.round(element.videoHeight * scale);
        if (!context || canvas.width === 0) return;
        context.drawImage(element, 0, 0, canvas.width, canvas.height);
        const frame = context.getImageData(0, 0, canvas.width, canvas.height);
        const code = jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "attemptBoth" });
        if (code?.data) onCodeRef.current(code.data);
      };
      const loop = async () => {
        await read();
        if (!stopped) timer = window.setTimeout(loop, FRAME_INTERVAL_MS);
      };
      void loop();
    }

    void start();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, [facing]);

  async function toggleTorch() {
    if (!track || torch === null) return;
    try {
      await track.applyConstraints({ advanced: [{ torch: !torch } as MediaTrackConstraintSet] });
      setTorch(!torch);
    } catch {
      setTorch(null);
    }
  }

  return (
    <div className="relative overflow-hidden rounded-xl bg-black">
      <video
        ref={video}
        muted
        playsInline
        aria-label="Camera"
        className="aspect-[4/3] w-full object-cover"
        data-camera={problem ? "unavailable" : "on"}
      />
      {problem ? (
        <p role="status" className="absolute inset-0 flex items-center justify-center p-6 text-center text-base text-white">
          {problem}
        </p>
      ) : (
        <div aria-hidden className="pointer-events-none absolute inset-[15%] rounded-2xl border-4 border-white/70" />
      )}
      <div className="absolute right-2 bottom-2 flex gap-2">
        {torch !== null ? (
          <Button type="button" size="icon" variant="secondary" onClick={toggleTorch} aria-label={torch ? "Torch off" : "Torch on"}>
            {torch ? <FlashlightOff aria-hidden /> : <Flashlight aria-hidden />}
          </Button>
        ) : null}
        <Button
          type="button"
          size="icon"
          variant="secondary"
          onClick={() => setFacing(facing === "environment" ? "user" : "environment")}
          aria-label={facing === "environment" ? "Use the front camera" : "Use the back camera"}
        >
          <SwitchCamera aria-hidden />
        </Button>
      </div>
    </div>
  );
}
