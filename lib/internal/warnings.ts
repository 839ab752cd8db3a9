// How the shared resolver's warnings reach the user, once per toolkit. The text is the same everywhere:
// `model-serving:<field>: <message>`. AWS CDK takes an id and a message (`Annotations.addWarningV2`, which a
// user can acknowledge by id); cdktf records `Annotations.addWarning(text)` as `@cdktf/warn` metadata and prints
// it at synth; cdk8s has no annotations, so the construct's node metadata `model-serving:warning` holds it.
import { IConstruct } from 'constructs';
import { SpecWarning } from '../errors';

/** The id of a warning: `model-serving:<field>` (what AWS CDK users acknowledge). */
export function warningId(w: SpecWarning): string {
  return `model-serving:${w.field}`;
}

/** The one text of a warning: `model-serving:<field>: <message>`. */
export function warningText(w: SpecWarning): string {
  return `${warningId(w)}: ${w.message}`;
}

/** cdktf: `Annotations.of(scope)` (structural, so lib/ imports no cdktf). */
export function addTextWarnings(annotations: { addWarning(message: string): void }, warnings: readonly SpecWarning[]): void {
  for (const w of warnings) annotations.addWarning(warningText(w));
}

/** AWS CDK: `Annotations.of(scope)`, with an acknowledgeable id per field. */
export function addIdWarnings(annotations: { addWarningV2(id: string, message: string): void }, warnings: readonly SpecWarning[]): void {
  for (const w of warnings) annotations.addWarningV2(warningId(w), w.message);
}

/** cdk8s: node metadata `model-serving:warning` (cdk8s has no annotations). */
export function addMetadataWarnings(scope: IConstruct, warnings: readonly SpecWarning[]): void {
  for (const w of warnings) scope.node.addMetadata('model-serving:warning', warningText(w));
}
