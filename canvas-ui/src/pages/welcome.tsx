import { navigate } from '../router.js'
import { AuthFrame, WelcomeHeading } from '../components/auth-frame.js'
import { ButtonIcon } from '../components/icon.js'

/** First visit inside Salesforce by a user SF Link does not know yet: choose how to link. */
export function WelcomePage() {
  return (
    <AuthFrame wide>
      <WelcomeHeading />
      <p class="slds-m-vertical_medium sfl-measure">
        SF Link remembers who you are in Salesforce so your connections and unsubscribe sync keep working when you use
        SF Link on its own. Choose an account to link this Salesforce user to; you only do this once.
      </p>
      <div class="sfl-choice-grid">
        <article class="slds-card sfl-choice" aria-labelledby="choice-signin">
          <div class="slds-card__body slds-card__body_inner">
            <h2 id="choice-signin" class="slds-text-heading_small">
              I already have an SF Link account
            </h2>
            <p class="slds-m-vertical_small slds-text-color_weak">Sign in with its email and password.</p>
            <button type="button" class="slds-button slds-button_brand" onClick={() => navigate('/signin')}>
              <ButtonIcon name="user" left />
              Sign in to SF Link
            </button>
          </div>
        </article>
        <article class="slds-card sfl-choice" aria-labelledby="choice-signup">
          <div class="slds-card__body slds-card__body_inner">
            <h2 id="choice-signup" class="slds-text-heading_small">
              I am new to SF Link
            </h2>
            <p class="slds-m-vertical_small slds-text-color_weak">
              Create an account; your Salesforce name and email are filled in.
            </p>
            <button type="button" class="slds-button slds-button_neutral" onClick={() => navigate('/signup')}>
              <ButtonIcon name="add" left />
              Create an account
            </button>
          </div>
        </article>
      </div>
    </AuthFrame>
  )
}
