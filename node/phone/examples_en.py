"""English examples (the format: meshaid.node.phone.examples)."""

EXAMPLES = """
# -- offers ---------------------------------------------------------------------------
post_offer | have 2 bags of kids clothes to give
post_offer | have 10 masks and hand sanitizer for whoever
post_offer | got a spare space heater, works fine
post_offer | extra rice and beans at my place, come by
post_offer | i can drive folks to the pharmacy in the mornings
post_offer | can watch toddlers weekday afternoons
post_offer | free bunk bed, you pick it up
post_offer | we have a generator running, bring your phones
post_offer | leftover pizza from the shelter, 4 boxes
post_offer | giving out hot plates of food at the church lot at 6
post_offer | my porch has a charging station, open til dark
post_offer | retired electrician, happy to look at wiring for free
post_offer | i speak creole and can interpret at the clinic
post_offer | dog food, 2 big bags, dont need it anymore
post_offer | can lend a wet vac for flooded floors
post_offer | anyone want some bell peppers from my garden
post_offer | who needs ice? chest freezer still cold
post_offer | bread from the bakery, free, take what you need
post_offer | handing out water bottles at the corner of 2nd and pine
post_offer | happy to help anyone fill out fema forms
post_offer | i have a car seat and a stroller we outgrew
post_offer | cooking a big pot of soup tonight, plenty to share
post_offer | have a tent and 2 sleeping bags to lend
post_offer | i sew, can fix torn clothes for neighbors
post_offer | free firewood stacked by the fence, grab some
# -- needs ----------------------------------------------------------------------------
post_need | need a ride to the va hospital friday
post_need | we need baby wipes and size 2 diapers
post_need | out of formula for my son, anyone please
post_need | my insulin is spoiling, no power, need a fridge
post_need | looking for someone to help clear a fallen tree
post_need | can somebody pick up groceries for my elderly neighbor
post_need | could someone check the roof, water coming in
post_need | need help moving a couch out of a flooded room
post_need | my mother needs her oxygen refilled
post_need | need a tutor for 3rd grade reading
post_need | lost my job, need help with rent this month
post_need | no power since tuesday and its freezing
post_need | no water at our building for 3 days
post_need | we have nothing to eat, 3 kids
post_need | could use some canned food if anyone has extra
post_need | looking for a crib for a newborn
post_need | need someone to walk with me to the bus stop at night
post_need | my wheelchair battery died, need a charge
post_need | anyone able to give me a lift to work tomorrow
post_need | pharmacy closed and i need my blood pressure meds
post_need | running out of gas for the generator
post_need | we are cold, need blankets for 2 adults
post_need | need diapers asap size 4
post_need | my car wont start, need a jump
post_need | need somebody who can translate at court monday
post_need | my grandpa needs someone to sit with him tonight
post_need | help, i need a place to stay tonight
# -- trades ---------------------------------------------------------------------------
post_trade | swap day at the park saturday 10am
post_trade | trading my bike for a generator
post_trade | will trade 2 gallons of gas for diapers
post_trade | clothing swap at the rec center sunday 2pm
post_trade | book and toy exchange fri 4pm library
post_trade | anyone want to swap canned food for batteries
post_trade | seed swap next week, bring your extras
post_trade | barter market thursday 5pm behind the school
post_trade | trade you eggs for bread
post_trade | swap meet in the church lot sat 9am
post_trade | tool swap and fix it day sunday at noon
# -- alerts ---------------------------------------------------------------------------
post_alert | smoke pouring out of the duplex on 6th
post_alert | the creek is over the bridge on oak, do not drive it
post_alert | black ice on the overpass, drive slow
post_alert | road flooded at 3rd and main, turn around
post_alert | a man fell in the parking lot and cant get up
post_alert | kid missing since noon, 10 yrs old, blue jacket
post_alert | power line down on elm, its sparking
post_alert | police checkpoint at the gas station on 9th
post_alert | immigration agents knocking on doors on maple
post_alert | someone is going through cars on oak tonight
post_alert | boil water before drinking, the city says
post_alert | house fire on pine st, fire trucks coming
post_alert | tornado sirens going off, get inside
post_alert | gas smell by the school, stay away
post_alert | sewage backing up into the street on 2nd
post_alert | tree fell on a car on church st
post_alert | shooting near the store, stay in
post_alert | people getting evicted on 5th right now, need witnesses
post_alert | carbon monoxide alarm going off in building b, everyone out
post_alert | flash flood coming down the creek, move to high ground
# -- lists ----------------------------------------------------------------------------
list | list
list | show the board
list | what is available today
list | list offers
list | any new needs
list | whats posted near me
list | show food
list | list shelter
list | show trades
list | what do neighbors need
list | whats out there today
list | show everything open
list | my posts
list | show my stuff
list | whats on offer
more | more
more | next page
more | keep going
more | more of the list
# -- searches -------------------------------------------------------------------------
search | anyone have a generator?
search | does anybody have a wheelchair
search | who has a ladder
search | search diapers
search | find firewood
search | any propane?
search | cooler?
search | space heater anyone
search | looking up tarps
search | does anyone have jumper cables
search | anyone got a charger for a samsung
search | is there any formula on the board
# -- closes ---------------------------------------------------------------------------
close | done
close | got it, thank you neighbors
close | got a ride, thanks
close | all set now, thanks everyone
close | found some diapers, thanks all
close | it's taken, all gone
close | my request has been met
close | someone helped me already, thank you
close | the blankets are all gone
close | we found a place to stay, thanks
close | filled
# -- withdrawals ----------------------------------------------------------------------
withdraw | cancel my post
withdraw | delete my offer
withdraw | take my post down
withdraw | never mind, my sister is bringing it
withdraw | dont need the ride anymore
withdraw | i sold it, please remove
withdraw | changed my mind, keeping the couch
withdraw | remove my need
withdraw | the swap is off
# -- help -----------------------------------------------------------------------------
help | help
help | how does this work
help | how do i post something
help | what can i send here
help | how do i use the board
help | commands please
help | what do i type
help | i dont know how to use this
help | instructions
help | ?
# -- not a command --------------------------------------------------------------------
unknown | hello
unknown | hi there
unknown | thanks
unknown | thank you so much
unknown | ok
unknown | yes
unknown | good morning
unknown | who are u
unknown | lol
unknown | test
unknown | is the clinic open today?
unknown | when is the power coming back
unknown | does anyone know if school is open tomorrow
unknown | where is the shelter
unknown | what time does the food bank open
unknown | power is back on in our block
unknown | the water is back on
unknown | stay safe everyone
unknown | god bless
"""
