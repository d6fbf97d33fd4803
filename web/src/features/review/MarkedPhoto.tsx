import { forwardRef, useId, type ReactNode } from "react";
import type { Mark } from "./marks";

const pct = (fraction: number) => `${fraction * 100}%`;

/**
 * The marks drawn over a photo. The SVG has no viewBox: its coordinates are percentages of the photo as shown,
 * so a box lands where it was drawn at any size while a pin stays round.
 */
export function MarkOverlay({ marks, selected }: { marks: Mark[]; selected?: number | null }) {
  const head = `mark-head-${useId().replace(/:/g, "")}`;
  if (marks.length === 0) return null;
  return (
    <svg className="mark-overlay" aria-hidden="true" data-testid="mark-overlay">
      <defs>
        <marker id={head} viewBox="0 0 10 10" refX="1" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" className="mark-head" />
        </marker>
      </defs>
      {marks.map((mark, i) => {
        const className = `mark mark-${mark.shape}${selected === i ? " is-selected" : ""}`;
        if (mark.shape === "box") {
          return (
            <rect key={i} className={className} data-shape="box" x={pct(mark.x)} y={pct(mark.y)} width={pct(mark.w ?? 0)} height={pct(mark.h ?? 0)} rx="3" />
          );
        }
        if (mark.shape === "pin") {
          return <circle key={i} className={className} data-shape="pin" cx={pct(mark.x)} cy={pct(mark.y)} r="9" />;
        }
        return (
          <line
            key={i}
            className={className}
            data-shape="arrow"
            x1={pct(mark.x + (mark.w ?? 0))}
            y1={pct(mark.y + (mark.h ?? 0))}
            x2={pct(mark.x)}
            y2={pct(mark.y)}
            markerEnd={`url(#${head})`}
          />
        );
      })}
    </svg>
  );
}

/** A photo at its own proportions with its marks over it. */
export const MarkedPhoto = forwardRef<HTMLDivElement, { src: string; alt: string; marks: Mark[]; selected?: number | null; className?: string; children?: ReactNode }>(
  function MarkedPhoto({ src, alt, marks, selected, className, children }, ref) {
    return (
      <div ref={ref} className={`marked-photo${className ? ` ${className}` : ""}`}>
        <img src={src} alt={alt} draggable={false} />
        <MarkOverlay marks={marks} selected={selected} />
        {children}
      </div>
    );
  },
);

/** A photo's text for a screen reader, with its marks: "Damp, photo 1. Marked: a box, a pin". */
export function photoAlt(base: string, marks: Mark[]): string {
  if (marks.length === 0) return base;
  return `${base}. Marked: ${marks.map((m) => (m.shape === "arrow" ? "an arrow" : `a ${m.shape}`)).join(", ")}`;
}
