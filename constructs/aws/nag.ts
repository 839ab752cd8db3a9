import * as cdk from 'aws-cdk-lib';

/** How cdk-nag prints a value in a finding id: pseudo parameters as `<AWS::Region>`, concrete values as is. */
export function nagValue(value: string, pseudo: string): string {
  return cdk.Token.isUnresolved(value) ? `<${pseudo}>` : value;
}
