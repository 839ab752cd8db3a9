/**
 * KQL checked by Microsoft's own Kusto parser and semantic analyzer (@kusto/language-service-next 12.4.1, the
 * Kusto.Language library of github.com/microsoft/Kusto-Query-Language compiled to JavaScript), against the
 * schema of the tables the queries read.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
interface KustoList<T> { readonly Count: number; getItem(i: number): T }
interface KustoDiagnostic { readonly Severity: string; readonly Message: string; readonly Start: number }
interface KustoColumn { readonly Name: string; readonly Type: { readonly Name: string } }
interface KustoCode { GetDiagnostics(): KustoList<KustoDiagnostic>; readonly ResultType: { readonly Columns?: KustoList<KustoColumn> } | null }
interface KustoLanguage {
  KustoCode: { ParseAndAnalyze(text: string, globals: unknown): KustoCode };
  GlobalState: { Default: { WithDatabase(db: unknown): unknown } };
  Symbols: {
    TableSymbol: { $ctor7: new (name: string, schema: string, description: string) => unknown };
    DatabaseSymbol: { ctor: new (name: string, members: unknown[]) => unknown };
  };
}

function kusto(): KustoLanguage {
  const g = globalThis as unknown as { Kusto?: { Language: KustoLanguage } };
  if (!g.Kusto) {
    // The Bridge.NET runtime first, then the library; both attach to the global object.
    require('@kusto/language-service-next/bridge.min.js');
    require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
  }
  return g.Kusto!.Language;
}

/** Tables as `name -> "(Column:type, ...)"` (Kusto schema syntax). */
export type KqlTables = Readonly<Record<string, string>>;

export interface KqlAnalysis {
  /** Errors and warnings: "<Severity> at <offset>: <message>". */
  readonly diagnostics: string[];
  /** The result's columns as "<name>:<type>". */
  readonly columns: string[];
}

/** Parses and analyzes `query` against `tables`. */
export function analyzeKql(query: string, tables: KqlTables): KqlAnalysis {
  const K = kusto();
  const symbols = Object.entries(tables).map(([name, schema]) => new K.Symbols.TableSymbol.$ctor7(name, schema, ''));
  const globals = K.GlobalState.Default.WithDatabase(new K.Symbols.DatabaseSymbol.ctor('logs', symbols));
  const code = K.KustoCode.ParseAndAnalyze(query, globals);
  const list = code.GetDiagnostics();
  const diagnostics: string[] = [];
  for (let i = 0; i < list.Count; i++) {
    const d = list.getItem(i);
    diagnostics.push(`${d.Severity} at ${d.Start}: ${d.Message}`);
  }
  const cols = code.ResultType?.Columns;
  const columns: string[] = [];
  if (cols) for (let i = 0; i < cols.Count; i++) columns.push(`${cols.getItem(i).Name}:${cols.getItem(i).Type.Name}`);
  return { diagnostics, columns };
}
