import { describe, expect, it } from "vitest";
import { humanize } from "./answers";

describe("humanize", () => {
  it("humanizes ids", () => {
    expect(humanize("detached_house")).toBe("Detached house");
    expect(humanize("living-room")).toBe("Living room");
  });

  it("is empty without an id", () => {
    expect(humanize(null)).toBe("");
    expect(humanize(undefined)).toBe("");
    expect(humanize("")).toBe("");
  });
});
