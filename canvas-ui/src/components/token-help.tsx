import { Card } from './card.js'

/** What each credential field means and where the security token comes from. */
export function TokenHelp() {
  return (
    <Card id="token-help" title="Where these come from" icon="info" iconTone="feedback" testId="token-help">
      <dl class="sfl-help-list">
        <dt>Salesforce username</dt>
        <dd>
          The email address you type when you log in to Salesforce. It is not your SF Link email and not your SF Link
          user name, even when the two look alike.
        </dd>
        <dt>Salesforce password</dt>
        <dd>Your Salesforce password, not the one you use for SF Link.</dd>
        <dt>Security token</dt>
        <dd>
          Nobody can look up your current token, not even an admin. To get a new one, in Salesforce click your avatar,
          then <strong>Settings → My Personal Information → Reset My Security Token</strong>. Salesforce sends the new
          token by email to the address you log in with.
        </dd>
        <dt>After a password change</dt>
        <dd>
          Changing your Salesforce password issues a new security token too, and the old one stops working at once. Come
          back here and use <strong>Update token only</strong> (add the new password if you changed it).
        </dd>
        <dt>When the token can stay empty</dt>
        <dd>
          Only when SF Link's servers connect from inside your org's trusted IP ranges. Otherwise Salesforce refuses the
          login and asks for the token.
        </dd>
        <dt>Why Connect with Salesforce is better</dt>
        <dd>
          This form uses Salesforce's SOAP login, which Salesforce is retiring: it is off by default in orgs created
          from Winter '26, unavailable from API version 65.0 and retired in Summer '27.{' '}
          <strong>Connect with Salesforce</strong> uses OAuth instead and never needs your password or token.
        </dd>
      </dl>
    </Card>
  )
}
