"""The video filter graph as it was before issue #15, kept only as the benchmark's baseline.

Every photo was one ``zoompan`` clip of its whole length, and the clips were chained through
``xfade`` filters, encoded with x264 ``superfast`` in a single ffmpeg process.
``benchmarks/render_video.py`` puts this in place of the current parts, with the same photos,
captions and audio; the song is added by the same final pass (the video copied, the audio
encoded to AAC), which the old renderer did in its one process.
"""
from __future__ import annotations

from pathlib import Path

from songcraft.providers.video import ZOOM
from songcraft.providers.video_captions import CaptionTrack

X264_PRESET = "superfast"
X264_CRF = 23


def one_part(plan) -> list[tuple[range, int, int]]:
    """The whole video in one ffmpeg process, as before."""
    return [(range(len(plan.clip_frames)), 0, plan.total_frames)]


def part_command(photos: list[Path], shown: range, caption_track: CaptionTrack | None, plan, frame_size: tuple[int, int],
                 output_path: str, seconds: float) -> list[str]:
    inputs: list[str] = []
    for photo in photos:
        inputs += ["-i", str(photo)]
    filters = [_ken_burns(index, frames, frame_size, plan.fps) for index, frames in enumerate(plan.clip_frames)]
    filters += _crossfades(plan)
    video = f"[x{len(photos) - 1}]"
    if caption_track:
        inputs += ["-f", "concat", "-i", str(caption_track.listing)]
        filters.append(f"{video}[{len(photos)}:v]overlay=x={caption_track.x}:y={caption_track.y}[captioned]")
        video = "[captioned]"
    filters.append(f"{video}format=yuv420p[video]")
    return [
        "-loglevel", "error",
        *inputs,
        "-filter_complex", ";".join(filters),
        "-map", "[video]",
        "-c:v", "libx264", "-preset", X264_PRESET, "-crf", str(X264_CRF),
        "-t", f"{seconds:.3f}",
        "-y", output_path,
    ]  # fmt: skip


_MOTIONS = (
    ("1+{zoom}*{p}", "0.5", "0.5"),
    ("1+{zoom}", "{p}", "0.5"),
    ("1+{zoom}-{zoom}*{p}", "0.5", "0.5"),
    ("1+{zoom}", "1-{p}", "0.5"),
)


def _ken_burns(index: int, frames: int, frame_size: tuple[int, int], fps: int) -> str:
    progress = f"(on/{max(frames - 1, 1)})"
    zoom, x, y = (part.format(zoom=ZOOM, p=progress) for part in _MOTIONS[index % len(_MOTIONS)])
    return (
        f"[{index}:v]format=yuv420p,zoompan=z='{zoom}':x='(iw-iw/zoom)*({x})':y='(ih-ih/zoom)*({y})'"
        f":d={frames}:s={frame_size[0]}x{frame_size[1]}:fps={fps},setsar=1[v{index}]"
    )


def _crossfades(plan) -> list[str]:
    if len(plan.clip_frames) == 1:
        return ["[v0]null[x0]"]
    seconds = plan.crossfade_frames / plan.fps
    chain = []
    for index in range(1, len(plan.clip_frames)):
        offset = (sum(plan.clip_frames[:index]) - index * plan.crossfade_frames) / plan.fps  # where clip `index` starts
        previous = "[v0]" if index == 1 else f"[x{index - 1}]"
        chain.append(f"{previous}[v{index}]xfade=transition=fade:duration={seconds:.4f}:offset={offset:.4f}[x{index}]")
    return chain
