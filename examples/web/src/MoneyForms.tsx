import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { DepositDocument, TransferDocument, WithdrawDocument } from '../../../client/generated/graphql';
import { describeBalanceResult, describeTransferResult } from './results';

type Outcome = { ok: boolean; text: string };

/**
 * Deposit, withdraw and transfer; each typed result is shown as a sentence. A withdrawal applies only to the balance
 * the page shows (`expectedVersion`: the version of the last change it received): if the account changed meanwhile,
 * the answer is VersionMismatch and the page asks to review and retry.
 */
export function MoneyForms({ userId, shownVersion }: { userId: string; shownVersion: number | undefined }) {
  const [amount, setAmount] = useState('10');
  const [payee, setPayee] = useState('');
  const [outcome, setOutcome] = useState<Outcome>();
  const [deposit] = useMutation(DepositDocument);
  const [withdraw] = useMutation(WithdrawDocument);
  const [transfer] = useMutation(TransferDocument);

  const run = async (action: () => Promise<Outcome>) => {
    try {
      setOutcome(await action());
    } catch (error) {
      // Not a business result: the request itself failed (network, authentication, a malformed amount).
      setOutcome({ ok: false, text: `The request failed: ${(error as Error).message}` });
    }
  };
  const value = () => Number(amount);
  const submit = (event: FormEvent) => event.preventDefault();

  return (
    <section className="card">
      <h2>Move credits</h2>
      <form onSubmit={submit}>
        <label>
          Amount <input name="amount" inputMode="numeric" value={amount} onChange={(e) => setAmount(e.target.value)} />
        </label>
        <button
          type="button"
          onClick={() =>
            run(async () =>
              describeBalanceResult((await deposit({ variables: { userId, amount: value() } })).data!.deposit),
            )
          }
        >
          Deposit
        </button>
        <button
          type="button"
          onClick={() =>
            run(async () =>
              describeBalanceResult(
                (await withdraw({ variables: { userId, amount: value(), expectedVersion: shownVersion } })).data!
                  .withdraw,
              ),
            )
          }
        >
          Withdraw
        </button>
        <label>
          to user <input name="payee" value={payee} onChange={(e) => setPayee(e.target.value)} size={6} />
        </label>
        <button
          type="button"
          onClick={() =>
            run(async () =>
              describeTransferResult(
                (
                  await transfer({
                    variables: {
                      fromUserId: userId,
                      toUserId: payee,
                      amount: value(),
                      idempotencyKey: crypto.randomUUID(),
                    },
                  })
                ).data!.transfer,
              ),
            )
          }
        >
          Transfer
        </button>
      </form>
      {outcome && (
        <p className={outcome.ok ? 'ok' : 'refused'} data-testid="outcome">
          {outcome.text}
        </p>
      )}
    </section>
  );
}
